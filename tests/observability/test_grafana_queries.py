"""The generated dashboard's queries on a real Prometheus.

Prometheus scrapes the ingester's own metrics registry (built here, with the bundled themes, two
feeds, one of them failing, and a few records published) and evaluates the real rules. Every
panel query must run without error and, unless it needs days of history, return series: a
misspelt metric or label fails. The ``theme`` variable lists the bundled themes, so the theme
panel repeats once per theme; the rules Grafana lists under Alerting are all there.
"""

import re
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, start_http_server

from newswatch.analysis.themes.rules import load_themes
from newswatch.common.errors import FetchFailure
from newswatch.observability.metrics import Metrics
from newswatch_devtools.grafana.generate import DASHBOARDS_DIR
from newswatch_devtools.ports import free_port
from tests.observability.promql import alert_rules, dashboard_expressions, load_rules
from tests.observability.stack import get_json, start_prometheus

pytestmark = pytest.mark.integration

DASHBOARD = DASHBOARDS_DIR / "newswatch-overview.json"
TOPIC = "nw.items"
# Recorded series that need 7 days of data: their panels are empty on a fresh Prometheus.
NEEDS_HISTORY = ("theme:newswatch_stories:surge_ratio",)
LABEL_VALUES = re.compile(r"^label_values\((?P<metric>[\w:]+),\s*(?P<label>\w+)\)$")


@dataclass(frozen=True)
class Reading:
    """A feed's state as the per-feed gauges read it (FeedReading)."""

    consecutive_failures: int
    last_status: int | None
    interval_seconds: float
    last_attempt: datetime | None
    last_success: datetime | None
    next_poll: datetime | None


def bundled_themes() -> list[str]:
    return [theme.name for theme in load_themes(None)[1].themes]


def ingester_registry(themes: list[str]) -> CollectorRegistry:
    """The ingester's registry with a working and a failing feed, items, stories, a burst and
    records published (one rejected)."""
    registry = CollectorRegistry()
    metrics = Metrics(registry, "test")
    feeds = ["kabul-wire", "broken-wire"]
    metrics.preinitialise(feeds, themes, [TOPIC])
    for feed in feeds:
        metrics.feeds.add(feed)
    metrics.feeds.count_fetch("kabul-wire", "ok", duration=0.3)
    metrics.feeds.count_received("kabul-wire", wire_bytes=2048, entries=4)
    metrics.feeds.count_fetch("broken-wire", next(iter(FetchFailure)).value, duration=5.0)
    now = datetime.now(UTC)
    readings = {
        "kabul-wire": Reading(0, 200, 300.0, now, now, now + timedelta(minutes=5)),
        "broken-wire": Reading(3, None, 2400.0, now, None, now + timedelta(minutes=40)),
    }
    metrics.feeds.read_gauges_from(lambda: dict(readings))
    metrics.items_matched.labels(themes[0]).inc(3)
    metrics.stories.labels(themes[0]).inc(2)
    metrics.story_sources.labels(themes[0]).inc(2)
    metrics.story_bursts.labels(themes[0]).inc()
    metrics.items_dropped.labels("duplicate").inc()
    metrics.events_published.labels(TOPIC, "ok").inc(5)
    metrics.events_published.labels(TOPIC, "error").inc()
    metrics.publish_latency.observe(0.02)
    metrics.pipeline_delay.observe(40)
    metrics.unacked_records.set(2)
    metrics.producer_replacements.inc()
    return registry


def wait_for(prometheus_url: str, query: str, timeout_s: float = 60) -> None:
    """Wait until ``query`` has a result."""
    deadline = time.monotonic() + timeout_s
    while not instant(prometheus_url, query):
        assert time.monotonic() < deadline, f"Prometheus never answered {query}"
        time.sleep(0.2)


def instant(prometheus_url: str, query: str) -> list[Any]:
    """The result of an instant query; an error of Prometheus fails with its message."""
    url = f"{prometheus_url}/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    try:
        answer = get_json(url)
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{query}: {error.code} {error.read().decode()}") from None
    assert answer["status"] == "success", answer
    result: list[Any] = answer["data"]["result"]
    return result


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus scraping the registry every second, with the real rules."""
    directory = tmp_path_factory.mktemp("grafana-queries")
    rules = load_rules()
    for group in rules["groups"]:
        group.pop("interval", None)
    rules_file = directory / "newswatch.rules.yml"
    rules_file.write_text(yaml.safe_dump(rules), encoding="utf-8")
    port = free_port()
    server, thread = start_http_server(
        port, addr="127.0.0.1", registry=ingester_registry(bundled_themes())
    )
    try:
        prometheus, url = start_prometheus(
            directory / "prometheus",
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(rules_file)],
                "scrape_configs": [
                    {
                        "job_name": "newswatch",
                        "static_configs": [{"targets": [f"127.0.0.1:{port}"]}],
                    }
                ],
            },
        )
        try:
            # Rates need two samples; the recording rules a round after that.
            wait_for(url, 'count_over_time(up{job="newswatch"}[1m]) >= 3')
            wait_for(url, "feed:newswatch_feed_fetches_success:ratio_rate30m")
            wait_for(url, "instance:newswatch_events_published_errors:ratio_rate10m")
            yield url
        finally:
            prometheus.stop()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def test_every_panel_query_runs_and_finds_series(prometheus_url: str) -> None:
    theme = bundled_themes()[0]
    expressions = {
        where: expr.replace("$theme", theme)
        for where, expr in dashboard_expressions(DASHBOARD).items()
    }
    assert len(expressions) >= 30, "fewer queries than the dashboard has"
    failed: dict[str, str] = {}
    empty: list[str] = []
    for where, expr in expressions.items():
        try:
            result = instant(prometheus_url, expr)
        except AssertionError as error:
            failed[where] = str(error)
            continue
        if not result and not any(name in expr for name in NEEDS_HISTORY):
            empty.append(f"{where}: {expr}")
    assert failed == {}, "queries Prometheus rejects"
    assert empty == [], "queries with no series on the ingester's metrics"


def test_a_query_prometheus_rejects_fails_the_check(prometheus_url: str) -> None:
    with pytest.raises(AssertionError, match="bad_data"):
        instant(prometheus_url, "sum(rate(newswatch_items_matched_total))")


def test_the_theme_variable_lists_the_bundled_themes(prometheus_url: str) -> None:
    """What Grafana asks Prometheus for ``label_values(metric, label)``: one panel per theme."""
    board = dashboard()
    (variable,) = board["templating"]["list"]
    found = LABEL_VALUES.match(variable["query"])
    assert found, variable["query"]
    query = urllib.parse.urlencode({"match[]": found["metric"]})
    values = get_json(f"{prometheus_url}/api/v1/label/{found['label']}/values?{query}")["data"]
    assert values == sorted(bundled_themes())
    repeated = [panel for panel in board["panels"] if panel.get("repeat")]
    assert [panel["repeat"] for panel in repeated] == [variable["name"]]
    assert f"${variable['name']}" in repeated[0]["title"]
    assert variable["current"]["value"] == "$__all", "not every theme shown on first open"


def test_prometheus_serves_every_alert_rule_grafana_lists(prometheus_url: str) -> None:
    """Grafana's Alerting page and the alert list read the rules API of a data source that
    manages alerts."""
    groups = get_json(f"{prometheus_url}/api/v1/rules?type=alert")["data"]["groups"]
    served = {rule["name"] for group in groups for rule in group["rules"]}
    assert served == {rule["alert"] for rule in alert_rules(load_rules())}
