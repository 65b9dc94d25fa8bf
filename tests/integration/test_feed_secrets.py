"""Credentials in feed URLs reach the feed server and nothing else.

A private feed server answers only with the right Basic credentials and ``?token=``; the
ingester polls it (the fetch works, so the whole URL was used) and the secrets appear nowhere
that leaves the process: stdout events, logs, Kafka records, ``/metrics``, ``/feeds``,
``newswatch feeds``. The one exception, by design, is ``<prefix>.feeds``: the replicas poll
from it, so it holds the feeds file as written.
"""

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch_devtools.http_server import BackgroundServer, QuietHandler
from newswatch_devtools.kafka_reader import read_all, topic_names
from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import Service, run_newswatch, run_once_to_stdout

pytestmark = pytest.mark.integration

USER, PASSWORD, TOKEN = "reader", "s3cret", "t0ps3cret"
WRONG_PASSWORD, WRONG_TOKEN, UNREACHABLE_TOKEN = "wr0ngpass", "wr0ngt0ken", "cl0sedt0ken"
SITE_HASH = "h4shs3cret"
"""The value of a parameter only the setting ``redact_query_params`` makes a secret."""
SECRETS = (PASSWORD, TOKEN, WRONG_PASSWORD, WRONG_TOKEN, UNREACHABLE_TOKEN)
EXTRA_ITEM = b"""<item>
      <title>Taliban fighters attack Afghan army base in Helmand, killing soldiers</title>
      <link>#top</link>
      <guid>helmand-base-attack</guid>
      <pubDate>Mon, 02 Mar 2020 09:00:00 GMT</pubDate>
    </item>
  </channel>"""


class PrivateFeed:
    """Serves ``/feed.xml`` only with Basic ``USER:PASSWORD`` and ``?token=TOKEN`` (other
    parameters may follow), else 401."""

    def __init__(self, body: bytes) -> None:
        self.authorised = 0
        self.refused = 0
        self._lock = threading.Lock()
        expected_auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        feed = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                path, _, query = self.path.partition("?")
                allowed = (path, query.split("&")[0]) == (
                    "/feed.xml",
                    f"token={TOKEN}",
                ) and self.headers.get("Authorization") == expected_auth
                with feed._lock:
                    if allowed:
                        feed.authorised += 1
                    else:
                        feed.refused += 1
                if not allowed:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="private"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = BackgroundServer(Handler)

    def url(self, *, password: str = PASSWORD, token: str = TOKEN, extra: str = "") -> str:
        """The feed's URL with these credentials (and ``extra`` parameters after them)."""
        address = f"http://{USER}:{password}@127.0.0.1:{self.server.port}/feed.xml"
        return f"{address}?token={token}{extra}"


@pytest.fixture
def private_feed() -> Iterator[PrivateFeed]:
    body = (ROOT / "tests" / "fixtures" / "feeds" / "rss2.xml").read_bytes()
    served = PrivateFeed(body.replace(b"</channel>", EXTRA_ITEM, 1))
    served.server.start()
    yield served
    served.server.stop()


def feeds_file(tmp_path: Path, private_feed: PrivateFeed, extra: str = "") -> Path:
    """The private feed with its credentials, with wrong ones, and on a port nothing serves."""
    unreachable = (
        f"http://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/feed.xml?token={UNREACHABLE_TOKEN}"
    )
    denied = private_feed.url(password=WRONG_PASSWORD, token=WRONG_TOKEN)
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n"
        f"  - {{name: private, url: '{private_feed.url(extra=extra)}'}}\n"
        f"  - {{name: denied, url: '{denied}'}}\n"
        f"  - {{name: unreachable, url: '{unreachable}'}}\n"
    )
    return path


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {where}:\n{text[:3000]}"


def test_once_to_stdout_uses_the_credentials_and_shows_none(
    tmp_path: Path, private_feed: PrivateFeed
) -> None:
    result = run_once_to_stdout(
        feeds_file(tmp_path, private_feed, extra=f"&hash={SITE_HASH}&lang=en"),
        environment={"NEWSWATCH_REDACT_QUERY_PARAMS": "hash"},
    )

    assert result.returncode == 0, result.stderr
    assert private_feed.authorised == 1
    assert private_feed.refused == 1  # the feed with the wrong credentials
    events = [json.loads(line) for line in result.stdout.splitlines()]
    items = [event for event in events if event["type"] == "org.newswatch.item.v1"]
    assert len(items) == 3, result.stdout
    public = (
        f"http://***@127.0.0.1:{private_feed.server.port}/feed.xml"
        "?token=REDACTED&hash=REDACTED&lang=en"
    )
    assert {event["source"] for event in items} == {public}
    assert {event["data"]["source"]["feed_url"] for event in items} == {public}
    for where, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert_no_secret(where, text)
        assert SITE_HASH not in text
    assert public in result.stderr  # the logs name the feed, redacted


def test_service_with_kafka_uses_the_credentials_and_shows_none(
    tmp_path: Path, private_feed: PrivateFeed, kafka_bootstrap: str
) -> None:
    prefix = f"nwtest-{uuid.uuid4().hex[:10]}"
    args = [
        "--feeds",
        str(feeds_file(tmp_path, private_feed)),
        "--bootstrap-servers",
        kafka_bootstrap,
        "--topic-prefix",
        prefix,
        "--poll-interval",
        "2",  # first polls come within the interval
        "--log-format",
        "json",
    ]
    with Service(args, tmp_path / "service.log", free_port()) as service:
        service.wait_for("/readyz", 200)
        service.wait_for_metric("newswatch_feed_fetches_total", 1, feed="private", outcome="ok")
        service.wait_for_metric("newswatch_feed_consecutive_failures", 1, feed="denied")
        service.wait_for_metric("newswatch_feed_consecutive_failures", 1, feed="unreachable")
        _, metrics_text = service.get("/metrics")
        _, feeds_json = service.get("/feeds")
        url = f"http://127.0.0.1:{service.metrics_port}"
        table = run_newswatch("feeds", "--url", url)
        as_json = run_newswatch("feeds", "--url", url, "--json")
        assert service.terminate() == 0
        logs = service.logs()
        log_events = service.log_events()

    assert private_feed.authorised >= 1
    serving = [line for line in log_events if str(line["event"]).startswith("serving")]
    assert serving[0]["host"] == "127.0.0.1"  # the default bind address
    health = {feed["name"]: feed for feed in json.loads(feeds_json)["feeds"]}
    assert health["private"]["healthy"] is True
    assert health["private"]["url"].startswith("http://***@127.0.0.1:")
    assert health["denied"]["last_status"] == 401
    assert health["unreachable"]["last_outcome"] == "connect_error"
    assert "token=REDACTED" in health["unreachable"]["last_error"]
    for where, text in (
        ("/metrics", metrics_text),
        ("/feeds", feeds_json),
        ("newswatch feeds", table.stdout + table.stderr),
        ("newswatch feeds --json", as_json.stdout + as_json.stderr),
        ("logs", logs),
    ):
        assert_no_secret(where, text)

    published = sorted(topic for topic in topic_names(kafka_bootstrap) if topic.startswith(prefix))
    assert {f"{prefix}.items", f"{prefix}.dlq", f"{prefix}.state"} <= set(published)
    for topic in published:
        records = read_all(kafka_bootstrap, topic)
        text = "\n".join(repr((record.key, record.value, record.headers)) for record in records)
        if topic == f"{prefix}.feeds":
            assert TOKEN in text  # the feeds file itself, which the replicas poll from
            continue
        assert records or topic not in {f"{prefix}.items", f"{prefix}.dlq"}, topic
        assert_no_secret(topic, text)
    states = read_all(kafka_bootstrap, f"{prefix}.state")
    assert any(b"token=REDACTED" in record.key for record in states)
