"""Alerts end to end on real parts: feed server → ``newswatch run`` → Kafka, scraped by a real
Prometheus that evaluates the real rules and sends to a real Alertmanager, which delivers to a
webhook receiver in the test.

The real rules wait long (FeedDown wants an hour without success, fires after 5 minutes), so
the test adds time-scaled copies of FeedDown and IngesterDown: the same expressions with the
windows shrunk and ``for`` cut to seconds, labelled ``variant: fast``. The real rules are loaded
as well (each group evaluated every second): the test checks that they evaluate without error on
the real metrics and that the real FeedDown is pending for the broken feed.
"""

import copy
import time
import urllib.parse
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import Service
from tests.observability.promql import (
    DASHBOARDS,
    SERVICE_METRICS,
    alert_rules,
    dashboard_expressions,
    exposed_names,
    load_rules,
    metric_names,
    rule_expressions,
)
from tests.observability.stack import (
    WebhookReceiver,
    get_json,
    start_alertmanager,
    start_prometheus,
)

pytestmark = pytest.mark.integration

FIXTURE_FEED = ROOT / "tests" / "fixtures" / "feeds" / "rss2.xml"
ALERT_TIMEOUT_S = 60.0

# What each real window becomes in the fast copies (the expression text must contain each key).
FAST_FEED_DOWN = {"< 3600": "< 10"}


def fast_rules() -> dict[str, Any]:
    """FeedDown and IngesterDown from the real rules file, with windows of seconds."""
    alerts = {rule["alert"]: rule for rule in alert_rules(load_rules())}
    feed_down = copy.deepcopy(alerts["FeedDown"])
    for real, fast in FAST_FEED_DOWN.items():
        assert real in feed_down["expr"], f"FeedDown no longer has {real}: update this test"
        feed_down["expr"] = feed_down["expr"].replace(real, fast)
    feed_down["for"] = "1s"
    ingester_down = copy.deepcopy(alerts["IngesterDown"])
    ingester_down["for"] = "1s"
    for rule in (feed_down, ingester_down):
        rule["labels"]["variant"] = "fast"
    return {"groups": [{"name": "newswatch-fast", "rules": [feed_down, ingester_down]}]}


def wait_for_series(prometheus_url: str, selector: str, timeout_s: float) -> None:
    """Wait until Prometheus has a sample for ``selector``."""
    url = f"{prometheus_url}/api/v1/query?{urllib.parse.urlencode({'query': selector})}"
    deadline = time.monotonic() + timeout_s
    while not get_json(url)["data"]["result"]:
        assert time.monotonic() < deadline, f"Prometheus never scraped {selector}"
        time.sleep(0.2)


def test_feed_down_and_ingester_down_reach_a_webhook_through_alertmanager(
    tmp_path: Path, feed_server: FeedServer, kafka_bootstrap: str
) -> None:
    feed_server.routes["/wire.xml"] = Route(FIXTURE_FEED.read_bytes())
    feed_server.routes["/down.xml"] = Route(
        b"upstream broken", content_type="text/plain", status=500
    )
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        "feeds:\n"
        f"  - {{name: kabul-wire, url: '{feed_server.url('/wire.xml')}'}}\n"
        f"  - {{name: broken-wire, url: '{feed_server.url('/down.xml')}'}}\n",
        encoding="utf-8",
    )
    fast_rules_file = tmp_path / "fast.rules.yml"
    fast_rules_file.write_text(yaml.safe_dump(fast_rules()), encoding="utf-8")
    real_rules = load_rules()
    for group in real_rules["groups"]:
        group.pop("interval", None)  # evaluate every group at the test's 1 s
    real_rules_file = tmp_path / "newswatch.rules.yml"
    real_rules_file.write_text(yaml.safe_dump(real_rules), encoding="utf-8")
    metrics_port = free_port()
    target = f"127.0.0.1:{metrics_port}"
    args = [
        "--feeds",
        str(feeds_file),
        "--bootstrap-servers",
        kafka_bootstrap,
        "--topic-prefix",
        f"nwobs-{uuid.uuid4().hex[:10]}",
        "--poll-interval",
        "1",
        "--log-format",
        "json",
    ]

    with ExitStack() as stack:
        webhook = stack.enter_context(WebhookReceiver())
        alertmanager, alertmanager_url = start_alertmanager(
            tmp_path / "alertmanager",
            {
                "route": {
                    "receiver": "test",
                    "group_by": ["alertname", "instance", "feed"],
                    "group_wait": "0s",
                    "group_interval": "1s",
                    "repeat_interval": "1h",
                },
                "receivers": [
                    {"name": "test", "webhook_configs": [{"url": webhook.url}]},
                ],
            },
        )
        stack.callback(alertmanager.stop)
        prometheus, prometheus_url = start_prometheus(
            tmp_path / "prometheus",
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(real_rules_file), str(fast_rules_file)],
                "alerting": {
                    "alertmanagers": [
                        {
                            "static_configs": [
                                {"targets": [alertmanager_url.removeprefix("http://")]}
                            ]
                        }
                    ]
                },
                "scrape_configs": [
                    {"job_name": "newswatch", "static_configs": [{"targets": [target]}]}
                ],
            },
        )
        stack.callback(prometheus.stop)
        # Prometheus hands new targets to its scrapers after about 5 s. The ingester starts once
        # the target is scraped (still down), so Prometheus sees its failure counters from zero.
        wait_for_series(prometheus_url, f'up{{instance="{target}"}}', timeout_s=30)
        service = stack.enter_context(Service(args, tmp_path / "service.log", metrics_port))

        def context() -> str:
            return (
                f"--- prometheus\n{prometheus.logs()}\n--- alertmanager\n{alertmanager.logs()}"
                f"\n--- ingester\n{service.logs()[-3000:]}"
            )

        feed_down = webhook.wait_for_alert(
            lambda alert: (
                alert["labels"].get("alertname") == "FeedDown"
                and alert["labels"].get("variant") == "fast"
            ),
            ALERT_TIMEOUT_S,
            context,
        )
        assert feed_down["status"] == "firing"
        assert feed_down["labels"] == {
            "alertname": "FeedDown",
            "feed": "broken-wire",
            "instance": target,
            "job": "newswatch",
            "severity": "warning",
            "variant": "fast",
        }
        assert feed_down["annotations"]["summary"] == (
            "Feed broken-wire is down: its polls fail and none succeeded for an hour"
        )
        assert "feeds file" in feed_down["annotations"]["description"]

        # The real rules load and evaluate on the real metrics without error; the real
        # FeedDown sees the broken feed (pending: it waits 5 minutes), nothing else is active.
        groups = get_json(f"{prometheus_url}/api/v1/rules")["data"]["groups"]
        assert {group["name"] for group in groups} == {
            "newswatch-theme-surge",
            "newswatch-stories",
            "newswatch-ingester",
            "newswatch-fast",
        }
        for group in groups:
            for rule in group["rules"]:
                assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))
        active = get_json(f"{prometheus_url}/api/v1/alerts")["data"]["alerts"]
        real = [alert for alert in active if "variant" not in alert["labels"]]
        assert [(a["labels"]["alertname"], a["labels"].get("feed"), a["state"]) for a in real] == [
            ("FeedDown", "broken-wire", "pending")
        ]

        # Every service metric the rules and the dashboard name is in the real scrape.
        scraped = set(get_json(f"{prometheus_url}/api/v1/label/__name__/values")["data"])
        expressions = {**rule_expressions(load_rules())}
        for dashboard in DASHBOARDS:
            expressions.update(dashboard_expressions(dashboard))
        service_names = set().union(*(exposed_names(metric) for metric in SERVICE_METRICS))
        used = set().union(*(metric_names(expr) for expr in expressions.values()))
        assert (used & service_names) - scraped == set()

        # An IngesterDown from before the ingester listened may exist; take the one after.
        stopped_at = datetime.now(UTC) - timedelta(seconds=2)
        assert service.terminate() == 0, service.logs()
        ingester_down = webhook.wait_for_alert(
            lambda alert: (
                alert["labels"].get("alertname") == "IngesterDown"
                and alert["labels"].get("instance") == target
                and datetime.fromisoformat(alert["startsAt"]) >= stopped_at
            ),
            ALERT_TIMEOUT_S,
            context,
        )
        assert ingester_down["labels"]["severity"] == "critical"
        assert ingester_down["annotations"]["summary"] == f"newswatch ingester {target} is down"

    feed_alerts = [a for a in webhook.alerts() if a["labels"].get("alertname") == "FeedDown"]
    assert {alert["labels"]["feed"] for alert in feed_alerts} == {"broken-wire"}
