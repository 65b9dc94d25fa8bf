"""``/metrics`` over real HTTP: the text format whatever the client prefers, gzipped at a cheap
level when the client takes gzip."""

import gzip
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from newswatch.observability.health import HealthState, HttpEndpoint, make_app
from newswatch.observability.metrics import Metrics

PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;q=0.5,"
    "application/openmetrics-text;version=0.0.1;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
)


@pytest.fixture
def endpoint() -> Iterator[str]:
    registry = CollectorRegistry()
    metrics = Metrics(registry, "test")
    metrics.feeds.count_fetch("kabul", "ok", duration=0.2)
    server = HttpEndpoint("127.0.0.1", 0, make_app(registry, HealthState()))
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}/metrics"
    finally:
        server.stop()


def get(url: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(response.headers.items()), response.read()


def test_prometheus_gets_the_text_format_gzipped(endpoint: str) -> None:
    headers, body = get(endpoint, {"Accept": PROMETHEUS_ACCEPT, "Accept-Encoding": "gzip"})
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert headers["Content-Encoding"] == "gzip"
    assert int(headers["Content-Length"]) == len(body)
    text = gzip.decompress(body).decode()
    assert "# EOF" not in text
    assert 'newswatch_feed_fetches_total{feed="kabul",outcome="ok"} 1.0' in text
    names = {family.name for family in text_string_to_metric_families(text)}
    assert "newswatch_feed_fetch_duration_seconds" in names


def test_a_client_without_gzip_gets_plain_text(endpoint: str) -> None:
    headers, body = get(endpoint, {})
    assert "Content-Encoding" not in headers
    assert 'newswatch_feed_fetches_total{feed="kabul",outcome="ok"} 1.0' in body.decode()
