"""docker-compose.yml, checked without a Docker engine: by Docker Compose itself
(``docker-compose config``, built from its Go module by devtools/compose/build-compose.sh, which
``make test`` runs first), by the Compose Specification's own JSON Schema, then by the
invariants this project holds its compose file to; and the Alertmanager configuration.

``compose-spec.schema.json`` is ``schema/compose-spec.json`` of github.com/compose-spec/
compose-spec at commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6 (Apache License 2.0), the
schema ``docker compose`` itself validates against.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import jsonschema
import pytest
import yaml

from newswatch.kafka.config import KafkaSettings
from newswatch_devtools.repo import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
BUILD_COMPOSE = ROOT / "devtools" / "compose" / "build-compose.sh"
SCHEMA = Path(__file__).with_name("compose-spec.schema.json")
ALERTMANAGER_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
INGESTER_IMAGE = "newswatch:local"
DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return loaded


def seconds(duration: str) -> int:
    found = DURATION.match(duration)
    assert duration, "empty duration"
    assert found, f"not a duration: {duration}"
    hours, minutes, secs = (int(part or 0) for part in found.groups())
    return hours * 3600 + minutes * 60 + secs


@pytest.fixture(scope="module")
def docker_compose() -> str:
    """The standalone docker-compose binary: cached outside the checkout, built once (minutes)."""
    result = subprocess.run(
        ["bash", str(BUILD_COMPOSE)], capture_output=True, text=True, timeout=1200, check=False
    )
    assert result.returncode == 0, f"{BUILD_COMPOSE} failed:\n{result.stderr[-4000:]}"
    return result.stdout.strip().splitlines()[-1]


def compose_config(binary: str, compose_file: Path, *options: str) -> CompletedProcess[str]:
    """``docker-compose -f FILE [options] config --quiet``, run from the checkout (no engine)."""
    return subprocess.run(
        [
            binary,
            "--project-directory",
            str(ROOT),
            "-f",
            str(compose_file),
            *options,
            "config",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.timeout(1300)
def test_docker_compose_itself_accepts_the_file_with_and_without_the_demo_profile(
    docker_compose: str,
) -> None:
    for profile in ([], ["--profile", "demo"]):
        result = compose_config(docker_compose, COMPOSE_FILE, *profile)
        assert result.returncode == 0, (profile, result.stderr)


@pytest.mark.timeout(1300)
def test_docker_compose_config_fails_on_a_broken_copy(docker_compose: str, tmp_path: Path) -> None:
    broken = compose()
    # A dependency on a service that does not exist: valid by the JSON Schema, not for Compose.
    broken["services"]["ingester"]["depends_on"]["kafka-typo"] = {"condition": "service_healthy"}
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert not list(validator.iter_errors(broken))
    copy = tmp_path / "docker-compose.yml"
    copy.write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
    result = compose_config(docker_compose, copy)
    assert result.returncode != 0
    assert "kafka-typo" in result.stderr

    broken = compose()
    # A duration Compose cannot read, in a service of the demo profile: the schema lets it by.
    broken["services"]["demo-feeds"]["healthcheck"]["interval"] = "every ten seconds"
    assert not list(validator.iter_errors(broken))
    copy.write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
    result = compose_config(docker_compose, copy, "--profile", "demo")
    assert result.returncode != 0
    assert "every ten seconds" in result.stderr


def test_compose_file_is_valid_against_the_compose_specification_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(compose())
    ]
    assert errors == []
    # The schema does catch mistakes:
    broken = compose()
    broken["services"]["ingester"]["depends_on"]["kafka"]["condition"] = "service_up"
    assert list(validator.iter_errors(broken))


def test_every_service_is_pinned_healthchecked_and_hardened() -> None:
    services = compose()["services"]
    assert {"kafka", "ingester", "prometheus", "alertmanager", "grafana"} <= set(services)
    for name, service in services.items():
        image = service["image"]
        assert ":" in image, f"{name}: image without a tag"
        assert not image.endswith(":latest"), f"{name}: unpinned image"
        assert service.get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
        assert service.get("restart") == "unless-stopped", name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port} open beyond localhost"


def test_dependencies_wait_for_health() -> None:
    services = compose()["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        for dependency, condition in depends_on.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert condition == {"condition": "service_healthy"}, (name, dependency)
    # Monitoring does not wait for what it monitors: IngesterDown must be able to fire.
    assert "ingester" not in services["prometheus"].get("depends_on", {})
    assert set(services["grafana"]["depends_on"]) == {"prometheus", "alertmanager"}
    assert set(services["prometheus"]["depends_on"]) == {"alertmanager"}


def test_data_lives_in_named_volumes_and_configuration_is_mounted_read_only() -> None:
    document = compose()
    declared = set(document["volumes"])
    used: set[str] = set()
    for name, service in document["services"].items():
        for mount in service.get("volumes", []):
            source, _target, *mode = mount.split(":")
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"
                assert mode == ["ro"], f"{name}: {source} should be mounted read-only"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"
                used.add(source)
    assert used == declared, f"declared but unused: {declared - used}"
    assert {"prometheus-data", "alertmanager-data", "grafana-data", "kafka-data"} <= declared


def test_each_ingesters_spool_lives_on_its_named_volume_where_the_image_points() -> None:
    dockerfile = (ROOT / "services" / "ingester" / "Dockerfile").read_text(encoding="utf-8")
    [spool_dir] = re.findall(r"NEWSWATCH_SPOOL_DIR=(\S+)", dockerfile)
    services = compose()["services"]
    mounts = {
        name: [m for m in services[name]["volumes"] if m.endswith(f":{spool_dir}")]
        for name in ("ingester", "ingester-demo")
    }
    assert mounts == {
        "ingester": [f"ingester-spool:{spool_dir}"],
        "ingester-demo": [f"ingester-demo-spool:{spool_dir}"],
    }


def test_ingesters_get_longer_to_stop_than_the_producer_flush() -> None:
    flush = KafkaSettings.model_fields["shutdown_flush_seconds"].default
    ingesters = {
        name: service
        for name, service in compose()["services"].items()
        if service["image"] == INGESTER_IMAGE
    }
    assert set(ingesters) == {"ingester", "ingester-demo"}
    for name, service in ingesters.items():
        budget = float(service["environment"].get("NEWSWATCH_SHUTDOWN_FLUSH_SECONDS", flush))
        assert seconds(service["stop_grace_period"]) > budget + 5, name


def test_the_demo_profile_adds_a_feed_server_and_an_ingester_on_it() -> None:
    services = compose()["services"]
    demo = {name for name, service in services.items() if "demo" in service.get("profiles", [])}
    assert demo == {"demo-feeds", "ingester-demo"}
    for name, service in services.items():
        if name not in demo:
            assert not service.get("profiles"), f"{name} should run without a profile"
    feeds_server = services["demo-feeds"]
    assert "./deploy/demo:/demo:ro" in feeds_server["volumes"]
    assert feeds_server["command"][:2] == ["python", "/demo/feed_server.py"]
    ingester = services["ingester-demo"]
    assert ingester["environment"]["NEWSWATCH_FEEDS_FILE"] == "/demo/feeds.yaml"
    assert "./deploy/demo/feeds.yaml:/demo/feeds.yaml:ro" in ingester["volumes"]
    assert ingester["depends_on"]["demo-feeds"] == {"condition": "service_healthy"}
    feeds = yaml.safe_load((ROOT / "deploy" / "demo" / "feeds.yaml").read_text(encoding="utf-8"))
    served = {path.stem for path in (ROOT / "deploy" / "demo" / "feeds").glob("*.xml")}
    urls = {feed["url"] for feed in feeds["feeds"]}
    assert urls == {f"http://demo-feeds:8080/{name}.xml" for name in served}


def test_prometheus_scrapes_the_services_compose_runs() -> None:
    services = compose()["services"]
    prometheus = services["prometheus"]
    assert "./deploy/prometheus/rules:/etc/prometheus/rules:ro" in prometheus["volumes"]
    config = yaml.safe_load(
        (ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8")
    )
    assert config["rule_files"] == ["rules/*.rules.yml"]
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    assert {"ingester:9120", "alertmanager:9093"} <= targets
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["newswatch"]["dns_sd_configs"][0]["names"] == ["ingester-demo"]
    (alertmanagers,) = config["alerting"]["alertmanagers"]
    assert alertmanagers["static_configs"][0]["targets"] == ["alertmanager:9093"]


def test_amtool_accepts_the_alertmanager_configuration() -> None:
    amtool = shutil.which("amtool")
    assert amtool, (
        "amtool is missing: apt-get install --no-install-recommends prometheus-alertmanager"
    )
    result = subprocess.run(
        [amtool, "check-config", str(ALERTMANAGER_CONFIG)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_alertmanager_routes_and_inhibitions_name_real_alerts_and_severities() -> None:
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text(encoding="utf-8"))
    rules = yaml.safe_load(
        (ROOT / "deploy" / "prometheus" / "rules" / "newswatch.rules.yml").read_text(
            encoding="utf-8"
        )
    )
    alerts = [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]
    names = {rule["alert"] for rule in alerts}
    severities = {rule["labels"]["severity"] for rule in alerts}
    matchers = [
        matcher
        for inhibit in config["inhibit_rules"]
        for matcher in inhibit["source_matchers"] + inhibit["target_matchers"]
    ] + [matcher for route in config["route"].get("routes", []) for matcher in route["matchers"]]
    for matcher in matchers:
        parsed = re.match(r'(\w+)(=~|=)"(.*)"', matcher)
        assert parsed, matcher
        label, _, value = parsed.groups()
        known = {"alertname": names, "severity": severities}[label]
        assert set(value.split("|")) <= known, matcher
