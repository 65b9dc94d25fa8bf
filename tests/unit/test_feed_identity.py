"""A feed with credentials in its URL: its public identity, its checkpoint, its errors, its logs.

The fetcher gets the whole URL; everything else gets the redacted one.
"""

import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog

from newswatch.common.errors import ConfigError, FetchError, FetchFailure, ParseError
from newswatch.common.feeds import FeedConfig, load_feeds
from newswatch.fetching.config import ScheduleSettings
from newswatch.observability.logs import configure_logging
from newswatch.service.feed_state import FeedState
from newswatch.service.outcome import PollOutcome

SECRET_URL = "http://user:s3cret@127.0.0.1:8080/feed.xml?token=t0ps3cret&lang=en"  # noqa: S105 - made up
PUBLIC_URL = "http://***@127.0.0.1:8080/feed.xml?token=REDACTED&lang=en"
SECRETS = ("s3cret", "t0ps3cret")
NOW = datetime(2026, 12, 5, tzinfo=UTC)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, text


def test_the_public_url_is_redacted_and_the_default_name_is_the_host() -> None:
    feed = FeedConfig(url=SECRET_URL)
    assert feed.url == SECRET_URL
    assert feed.public_url == PUBLIC_URL
    assert feed.name == "127.0.0.1"


def test_a_feed_without_secrets_keeps_its_url_as_its_identity() -> None:
    feed = FeedConfig(url="https://example.org/rss.xml?page=1")
    assert feed.public_url == feed.state_key == feed.url


def test_the_state_key_holds_no_secret_and_tells_credentials_apart() -> None:
    first = FeedConfig(url=SECRET_URL)
    second = FeedConfig(url=SECRET_URL.replace("t0ps3cret", "other"))
    assert first.state_key.startswith(PUBLIC_URL + " sha256:")
    assert first.state_key != second.state_key
    assert first.public_url == second.public_url
    assert_no_secret(first.state_key)


def test_a_repeated_url_is_named_redacted(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        f"feeds:\n  - {{name: a, url: '{SECRET_URL}'}}\n  - {{name: b, url: '{SECRET_URL}'}}\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_feeds(path)
    assert PUBLIC_URL in str(raised.value)
    assert_no_secret(str(raised.value))


def test_the_checkpoint_and_the_health_hold_no_secret() -> None:
    state = FeedState.start(FeedConfig(url=SECRET_URL, name="private"), ScheduleSettings())
    checkpoint = state.checkpoint(NOW)
    assert checkpoint.key().decode() == FeedConfig(url=SECRET_URL).state_key
    assert checkpoint.effective_url == PUBLIC_URL
    assert_no_secret(checkpoint.model_dump_json())
    snapshot = json.dumps(state.snapshot())
    assert_no_secret(snapshot)
    assert state.snapshot()["url"] == PUBLIC_URL
    assert state.url == SECRET_URL  # what the fetcher gets


def moved(state: FeedState, to: str) -> FeedState:
    return state.apply(
        PollOutcome(
            status="ok",
            attempted_at=NOW,
            finished_at=NOW,
            duration_seconds=0.1,
            fetch_seconds=0.1,
            moved_to=to,
        )
    )


def test_a_move_that_keeps_the_credentials_is_resumed_from_the_checkpoint() -> None:
    feed = FeedConfig(url=SECRET_URL, name="private")
    new_home = "https://user:s3cret@feeds.example/feed.xml?token=t0ps3cret&lang=en"
    state = moved(FeedState.start(feed, ScheduleSettings()), new_home)
    checkpoint = state.checkpoint(NOW)
    assert_no_secret(checkpoint.model_dump_json())
    assert FeedState.start(feed, ScheduleSettings(), checkpoint).url == new_home


def test_a_move_to_credentials_of_its_own_is_not_stored() -> None:
    feed = FeedConfig(url=SECRET_URL, name="private")
    signed = "https://cdn.example/feed.xml?X-Amz-Signature=abc123"
    checkpoint = moved(FeedState.start(feed, ScheduleSettings()), signed).checkpoint(NOW)
    assert "abc123" not in checkpoint.model_dump_json()
    assert FeedState.start(feed, ScheduleSettings(), checkpoint).url == SECRET_URL


def test_feed_errors_name_the_redacted_url() -> None:
    error = FetchError(
        f"redirect loop back to {SECRET_URL}",
        feed_url=SECRET_URL,
        reason=FetchFailure.REDIRECT_LOOP,
    )
    assert str(error) == f"{PUBLIC_URL}: redirect loop back to {PUBLIC_URL}"
    assert error.feed_url == PUBLIC_URL
    assert ParseError("empty body", feed_url=SECRET_URL).detail == "empty body"


def test_log_lines_are_redacted_however_the_url_gets_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    configure_logging("json", "INFO")
    try:
        structlog.get_logger("test").info("fetching", url=SECRET_URL, nested={"urls": [SECRET_URL]})
        logging.getLogger("httpx").warning("HTTP Request: GET %s", SECRET_URL)
        try:
            _fail_reaching(SECRET_URL)
        except RuntimeError:
            structlog.get_logger("test").exception("poll crashed")
    finally:
        logging.getLogger().handlers.clear()
    output = stderr.getvalue()
    assert output.count(PUBLIC_URL) >= 4
    assert_no_secret(output)


def _fail_reaching(url: str) -> None:
    raise RuntimeError(f"cannot reach {url}")
