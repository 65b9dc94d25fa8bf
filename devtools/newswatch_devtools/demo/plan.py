"""What the demo runs, as data: its ports, files, settings and the summary it prints. Pure: no
I/O, so every piece is checked by unit tests without starting anything."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from newswatch_devtools.repo import ROOT

DEMO_DIR = ROOT / "deploy" / "demo"
FEEDS_TEMPLATE = DEMO_DIR / "feeds.yaml"
FEED_SERVER = DEMO_DIR / "feed_server.py"
RULES_FILE = ROOT / "deploy" / "prometheus" / "rules" / "newswatch.rules.yml"
ALERTMANAGER_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"

COMPOSE_FEEDS_ORIGIN = "http://demo-feeds:8080"
"""Where deploy/demo/feeds.yaml points: the demo feed server on the compose network."""
TOPIC_PREFIX = "demo"
INTENDED_ALERT = "StoryBurst"
POLL_SECONDS = 10.0
"""The demo ingester polls every feed this often, so the burst is seen within seconds."""
NEW_ITEM_SECONDS = 20.0
BURST_AFTER_SECONDS = 30.0
"""When every demo feed carries the breaking story, counted from the feed server's start."""
SCRAPE_SECONDS = 5


class DemoError(RuntimeError):
    """The demo cannot start or stop: the message says what and where."""


@dataclass(frozen=True)
class DemoPorts:
    """The loopback ports of the demo's servers."""

    kafka: int = 9092
    feeds: int = 8080
    metrics: int = 9121
    prometheus: int = 9090
    alertmanager: int = 9093

    def named(self) -> dict[str, int]:
        """Every port by the name of its option (``--kafka-port``...)."""
        return {
            "kafka": self.kafka,
            "feeds": self.feeds,
            "metrics": self.metrics,
            "prometheus": self.prometheus,
            "alertmanager": self.alertmanager,
        }


def url(port: int, path: str = "") -> str:
    """http://127.0.0.1:``port``\\ ``path``."""
    return f"http://127.0.0.1:{port}{path}"


def local_feeds_yaml(template: str, origin: str, source: str = str(FEEDS_TEMPLATE)) -> str:
    """The demo feeds file with every URL on ``COMPOSE_FEEDS_ORIGIN`` moved to ``origin``.

    The bundled file serves Docker Compose as it is; the process demo writes this copy, so one
    list of feeds serves both. A feed on another origin is an error naming it (the demo runs
    offline, so it could not be fetched).
    """
    document = yaml.safe_load(template)
    feeds = document.get("feeds") if isinstance(document, dict) else None
    if not isinstance(feeds, list) or not feeds:
        raise DemoError(f"{source}: no list of feeds under 'feeds'")
    for index, feed in enumerate(feeds):
        feed_url = feed.get("url") if isinstance(feed, dict) else None
        if not isinstance(feed_url, str) or not feed_url.startswith(f"{COMPOSE_FEEDS_ORIGIN}/"):
            raise DemoError(
                f"{source}: feeds[{index}].url: {feed_url!r} is not on the demo feed server "
                f"{COMPOSE_FEEDS_ORIGIN}"
            )
        feed["url"] = origin + feed_url[len(COMPOSE_FEEDS_ORIGIN) :]
    header = f"# Written by python -m newswatch_devtools.demo from {source}; do not edit.\n"
    return header + yaml.safe_dump(document, sort_keys=False)


def prometheus_config(ports: DemoPorts, rules_file: Path = RULES_FILE) -> dict[str, Any]:
    """Prometheus for the demo: the real rules, short intervals, the local ingester and
    Alertmanager. The job is called ``newswatch`` as the rules expect."""
    interval = f"{SCRAPE_SECONDS}s"
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(rules_file)],
        "alerting": {
            "alertmanagers": [
                {"static_configs": [{"targets": [f"127.0.0.1:{ports.alertmanager}"]}]}
            ]
        },
        "scrape_configs": [
            {
                "job_name": "newswatch",
                "static_configs": [{"targets": [f"127.0.0.1:{ports.metrics}"]}],
            },
            {
                "job_name": "prometheus",
                "static_configs": [{"targets": [f"127.0.0.1:{ports.prometheus}"]}],
            },
            {
                "job_name": "alertmanager",
                "static_configs": [{"targets": [f"127.0.0.1:{ports.alertmanager}"]}],
            },
        ],
    }


def feed_server_args(ports: DemoPorts) -> list[str]:
    """Arguments of deploy/demo/feed_server.py for the demo (after the interpreter)."""
    return [
        str(FEED_SERVER),
        "--host",
        "127.0.0.1",
        "--port",
        str(ports.feeds),
        "--interval",
        f"{NEW_ITEM_SECONDS:g}",
        "--burst-after",
        f"{BURST_AFTER_SECONDS:g}",
    ]


def ingester_environment(ports: DemoPorts, feeds_file: Path) -> dict[str, str]:
    """The settings of the demo's ingester. Only this ingester may fetch from loopback, where
    the demo feed server listens (the fetcher refuses private and loopback addresses unless
    allowed)."""
    return {
        "NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{ports.kafka}",
        "NEWSWATCH_TOPIC_PREFIX": TOPIC_PREFIX,
        "NEWSWATCH_TOPIC_REPLICATION_FACTOR": "1",
        "NEWSWATCH_FEEDS_FILE": str(feeds_file),
        "NEWSWATCH_METRICS_HOST": "127.0.0.1",
        "NEWSWATCH_METRICS_PORT": str(ports.metrics),
        "NEWSWATCH_POLL_INTERVAL_SECONDS": f"{POLL_SECONDS:g}",
        "NEWSWATCH_MIN_POLL_INTERVAL_SECONDS": f"{POLL_SECONDS:g}",
        "NEWSWATCH_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
        "NEWSWATCH_LOG_FORMAT": "json",
    }


def summary(ports: DemoPorts, directory: Path, monitoring: bool) -> str:
    """What the demo prints once everything is up: where to look."""
    bootstrap = f"127.0.0.1:{ports.kafka}"
    lines = [
        "newswatch demo is up: everything runs on this machine, no internet needed.",
        f"  Kafka         {bootstrap}  topics {TOPIC_PREFIX}.items, "
        f"{TOPIC_PREFIX}.theme.<theme>, {TOPIC_PREFIX}.alerts (story bursts), "
        f"{TOPIC_PREFIX}.dlq",
        f"  demo feeds    {url(ports.feeds, '/')}  (a new item per feed every "
        f"{NEW_ITEM_SECONDS:g} s; a breaking story in every feed {BURST_AFTER_SECONDS:g} s "
        "after the start)",
        f"  ingester      {url(ports.metrics, '/metrics')}  "
        f"(feed health: .venv/bin/newswatch feeds --url {url(ports.metrics)})",
    ]
    if monitoring:
        lines += [
            f"  Prometheus    {url(ports.prometheus, '/alerts')}",
            f"  Alertmanager  {url(ports.alertmanager, '/#/alerts')}  ({INTENDED_ALERT} fires "
            "about a minute after the start)",
        ]
    else:
        lines.append(
            "  Prometheus and Alertmanager are not installed, so no alert: "
            "apt-get install prometheus prometheus-alertmanager"
        )
    lines += [
        f"  follow items  .venv/bin/newswatch tail --bootstrap-servers {bootstrap} "
        f"--topic-prefix {TOPIC_PREFIX} --from-beginning",
        f"  logs          {directory}/*.log",
        "Ctrl-C or `make demo-down` stops it all.",
    ]
    return "\n".join(lines)


def choose_ports(
    requested: dict[str, int | None],
    is_free: Callable[[int], bool],
    any_free: Callable[[], int],
) -> tuple[DemoPorts, list[str]]:
    """The demo's ports: each one asked for (``requested[name]``, None for the default) must be
    free; a default that is taken is replaced by a free port, and a note says so."""
    defaults = DemoPorts().named()
    chosen: dict[str, int] = {}
    notes: list[str] = []
    for name, default in defaults.items():
        asked = requested.get(name)
        port = default if asked is None else asked
        if not is_free(port):
            if asked is not None:
                raise DemoError(f"--{name}-port {port}: the port is in use")
            port = any_free()
            notes.append(f"port {default} ({name}) is in use: the demo uses {port} instead")
        chosen[name] = port
    return DemoPorts(**chosen), notes
