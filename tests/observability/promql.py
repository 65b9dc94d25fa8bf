"""Reading the PromQL of the rules and the dashboard: expressions, the metric names they use."""

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import CollectorRegistry

from newswatch.observability.metrics import Metrics
from newswatch_devtools.repo import ROOT

RULES_FILE = ROOT / "deploy" / "prometheus" / "rules" / "newswatch.rules.yml"
RULE_TESTS = sorted((ROOT / "deploy" / "prometheus" / "tests").glob("*.test.yml"))
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))


def _service_metrics() -> tuple[frozenset[str], frozenset[str]]:
    """The metric names the ingester exposes (services/ingester/newswatch/metrics.py), and the
    histograms among them; rules and dashboards may use these, `up`, and recorded names."""
    registry = CollectorRegistry()
    Metrics(registry, "rules")
    names: set[str] = set()
    histograms: set[str] = set()
    for family in registry.collect():
        name = family.name + {"counter": "_total", "info": "_info"}.get(family.type, "")
        names.add(name)
        if family.type == "histogram":
            histograms.add(name)
    return frozenset(names), frozenset(histograms)


SERVICE_METRICS, HISTOGRAMS = _service_metrics()

# Grafana's built-in interval variables, replaced by durations so that promtool can parse.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_TOKENS = re.compile(r"(?P<number>\d[\w.]*)|(?P<name>[A-Za-z_:][\w:]*)(?P<call>\s*\()?")
_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}
    | {"and", "or", "unless", "atan2", "inf", "nan"}
)


def metric_names(expression: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords and labels left out)."""
    text = _STRINGS.sub('""', expression)
    text = _MATCHERS.sub("", text)
    text = _RANGES.sub("", text)
    text = _GROUPING.sub("", text)
    names = set()
    for token in _TOKENS.finditer(text):
        name = token.group("name")
        if name is None or token.group("call") or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def exposed_names(metric: str) -> set[str]:
    """The series names one metric family appears under in the exposition."""
    if metric in HISTOGRAMS:
        return {f"{metric}_bucket", f"{metric}_sum", f"{metric}_count"}
    return {metric}


def allowed_names(rules: dict[str, Any]) -> set[str]:
    """What an expression may select: the service's metrics, `up` and the recorded series."""
    allowed = {"up", *recorded_names(rules)}
    for metric in SERVICE_METRICS:
        allowed |= exposed_names(metric)
    return allowed


def load_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    """The rules file as YAML."""
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def rules_of(rules: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every rule of every group."""
    for group in rules["groups"]:
        yield from group["rules"]


def recorded_names(rules: dict[str, Any]) -> set[str]:
    """The names of the recording rules."""
    return {rule["record"] for rule in rules_of(rules) if "record" in rule}


def alert_rules(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The alerting rules."""
    return [rule for rule in rules_of(rules) if "alert" in rule]


def rule_expressions(rules: dict[str, Any]) -> dict[str, str]:
    """Each rule's expression, keyed by its record or alert name."""
    return {rule.get("record") or rule["alert"]: rule["expr"] for rule in rules_of(rules)}


def dashboard_expressions(path: Path) -> dict[str, str]:
    """Each query of a dashboard, keyed by panel title and query ref, Grafana variables replaced."""
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for panel in _panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            expression = target.get("expr")
            if not expression:
                continue
            for variable, duration in GRAFANA_VARIABLES.items():
                expression = expression.replace(variable, duration)
            found[f"{path.name}: {panel.get('title')} [{target.get('refId')}]"] = expression
    return found


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def promtool() -> str:
    """Path of promtool; its absence fails the test (install: apt-get install prometheus)."""
    path = shutil.which("promtool")
    assert path, (
        "promtool is missing: install it with "
        "`apt-get install --no-install-recommends prometheus` (.ci/run does)"
    )
    return path


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """promtool with the arguments, its output captured."""
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=120, check=False
    )


def check_expressions_parse(expressions: dict[str, str], directory: Path) -> None:
    """Fail unless promtool parses every expression (each one placed in a recording rule)."""
    keys = list(expressions)
    path = directory / "expressions.rules.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {
                        "name": "expressions",
                        "rules": [
                            {"record": f"expression_{index}", "expr": expressions[key]}
                            for index, key in enumerate(keys)
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    result = run_promtool("check", "rules", str(path))
    index = {f"expression_{number}": key for number, key in enumerate(keys)}
    assert result.returncode == 0, (
        f"promtool rejected an expression:\n{result.stdout}{result.stderr}\n"
        f"(expression_N is the Nth of: {json.dumps(index, indent=1)})"
    )
