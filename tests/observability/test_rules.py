"""The Prometheus rules: promtool checks and unit tests, conventions, and the PromQL they use."""

import re
from pathlib import Path

import yaml
from prometheus_client import CollectorRegistry

from newswatch.observability.metrics import Metrics
from newswatch_devtools.repo import ROOT
from tests.observability.promql import (
    DASHBOARDS,
    RULE_TESTS,
    RULES_FILE,
    alert_rules,
    allowed_names,
    check_expressions_parse,
    dashboard_expressions,
    load_rules,
    metric_names,
    recorded_names,
    rule_expressions,
    run_promtool,
)

PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
EXPECTED_ALERTS = {
    "ThemeSurge",
    "StoryBurst",
    "FeedDown",
    "AllFeedsStale",
    "KafkaPublishFailing",
    "KafkaAwaySpooling",
    "IngesterDown",
}
SEVERITIES = {"critical", "warning", "info"}
RECORD_NAME = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")
ALERT_NAME = re.compile(r"^(?:[A-Z][a-z0-9]*)+$")


def test_promtool_checks_the_rules_and_the_prometheus_config() -> None:
    rules = run_promtool("check", "rules", str(RULES_FILE))
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert "SUCCESS" in rules.stdout
    config = run_promtool("check", "config", str(PROMETHEUS_CONFIG))
    assert config.returncode == 0, config.stdout + config.stderr
    assert "newswatch.rules.yml" in config.stdout, "prometheus.yml does not load the rules"


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    assert RULE_TESTS, "no deploy/prometheus/tests/*.test.yml"
    result = run_promtool("test", "rules", *(str(path) for path in RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(RULE_TESTS), result.stdout


def test_a_broken_expectation_fails_promtool(tmp_path: Path) -> None:
    """The unit tests can fail: a wrong expected label makes promtool exit non-zero."""
    source = RULE_TESTS[0].read_text(encoding="utf-8")
    broken = tmp_path / RULE_TESTS[0].name
    broken.write_text(
        source.replace("../rules/", f"{RULES_FILE.parent}/").replace(
            "severity: warning", "severity: page", 1
        ),
        encoding="utf-8",
    )
    result = run_promtool("test", "rules", str(broken))
    assert result.returncode != 0, result.stdout


def test_every_alert_has_for_severity_summary_and_description() -> None:
    rules = load_rules()
    alerts = alert_rules(rules)
    assert {rule["alert"] for rule in alerts} == EXPECTED_ALERTS
    for rule in alerts:
        name = rule["alert"]
        assert ALERT_NAME.match(name), name
        assert rule.get("for"), f"{name} has no `for`"
        assert rule.get("labels", {}).get("severity") in SEVERITIES, name
        annotations = rule.get("annotations", {})
        for key in ("summary", "description"):
            assert str(annotations.get(key, "")).strip(), f"{name} has no {key}"
    for name in recorded_names(rules):
        assert RECORD_NAME.match(name), f"{name} is not level:metric:operations"


def test_every_alert_is_unit_tested_firing_and_not_firing() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for test in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for case in test.get("alert_rule_test", []):
                (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    assert firing >= EXPECTED_ALERTS, f"never tested firing: {EXPECTED_ALERTS - firing}"
    assert quiet >= EXPECTED_ALERTS, f"never tested quiet: {EXPECTED_ALERTS - quiet}"


def test_every_expression_parses_and_names_only_known_metrics(tmp_path: Path) -> None:
    rules = load_rules()
    expressions = {f"rule {name}": expr for name, expr in rule_expressions(rules).items()}
    assert DASHBOARDS, "no Grafana dashboard"
    for dashboard in DASHBOARDS:
        found = dashboard_expressions(dashboard)
        assert found, f"{dashboard.name} has no queries"
        expressions.update(found)
    check_expressions_parse(expressions, tmp_path)
    allowed = allowed_names(rules)
    unknown = {
        where: sorted(metric_names(expr) - allowed)
        for where, expr in expressions.items()
        if metric_names(expr) - allowed
    }
    assert unknown == {}, "metrics the ingester does not expose"


def test_recording_rules_are_defined_before_use() -> None:
    """Prometheus evaluates a group in order, so a recorded series is used after its rule."""
    for group in load_rules()["groups"]:
        defined: set[str] = set()
        for rule in group["rules"]:
            used = metric_names(rule["expr"]) & recorded_names(load_rules())
            assert used <= defined, f"{rule.get('record') or rule['alert']} uses {used - defined}"
            if "record" in rule:
                defined.add(rule["record"])


def test_metric_names_are_read_from_promql() -> None:
    expression = (
        'histogram_quantile(0.95, sum by (le, feed) (rate(a_bucket{feed=~"x|y"}[5m])))'
        ' > bool 1e3 and on (job) b:c:d offset 1h or absent(up{job="n"})'
        " unless sum without (instance) (increase(e_total[7d] offset 6h)) / 28"
    )
    assert metric_names(expression) == {"a_bucket", "b:c:d", "up", "e_total"}
    assert metric_names("vector(1.7)") == set()
    assert metric_names("time() - max without (feed) (f)") == {"f"}


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else None]


def test_readme_lists_every_metric_and_every_alert() -> None:
    registry = CollectorRegistry()
    Metrics(registry, "test")
    suffix = {"counter": "_total", "info": "_info"}
    exposed = {family.name + suffix.get(family.type, "") for family in registry.collect()}
    metrics = readme_section("Metrics")
    assert [name for name in sorted(exposed) if f"| `{name}` |" not in metrics] == []
    alerts = readme_section("Alerts and dashboards")
    assert [name for name in sorted(EXPECTED_ALERTS) if f"| `{name}` |" not in alerts] == []
