"""Secrets in URLs: what ``redact_url`` keeps and what it hides, and getting them back."""

import pytest

from newswatch.common.redaction import (
    is_secret_param,
    redact_text,
    redact_url,
    restore_secrets,
    set_extra_secret_params,
)

CASES = [
    # no secret: unchanged, byte for byte
    ("https://example.org/rss.xml", "https://example.org/rss.xml"),
    ("https://example.org/feed?page=2&lang=en", "https://example.org/feed?page=2&lang=en"),
    ("https://example.org/a%20b?q=x%2By&q=z;w", "https://example.org/a%20b?q=x%2By&q=z;w"),
    ("https://example.org/feed?", "https://example.org/feed?"),
    ("https://example.org/feed#top", "https://example.org/feed#top"),
    ("http://[2001:db8::1]:8080/feed.xml?x=1", "http://[2001:db8::1]:8080/feed.xml?x=1"),
    ("https://example.org/keys?monkey=1&keyword=a", "https://example.org/keys?monkey=1&keyword=a"),
    # userinfo
    ("http://user:s3cret@host/feed.xml", "http://***@host/feed.xml"),
    ("https://tok3n@host/feed.xml", "https://***@host/feed.xml"),
    ("https://u:p@[2001:db8::1]:8443/f", "https://***@[2001:db8::1]:8443/f"),
    ("https://u:p%40ss@host/f?x=@", "https://***@host/f?x=@"),
    ("https://host/path@x/feed", "https://host/path@x/feed"),
    # secret parameters, any case, repeated, mixed with others
    ("https://h/f?token=abc&page=2", "https://h/f?token=REDACTED&page=2"),
    ("https://h/f?Token=abc&TOKEN=def", "https://h/f?Token=REDACTED&TOKEN=REDACTED"),
    (
        "https://h/f?page=1&api_key=k&apikey=k2&key=k3",
        "https://h/f?page=1&api_key=REDACTED&apikey=REDACTED&key=REDACTED",
    ),
    (
        "https://h/f?access_token=a&auth=b&sig=c&signature=d",
        "https://h/f?access_token=REDACTED&auth=REDACTED&sig=REDACTED&signature=REDACTED",
    ),
    ("https://h/f?password=a&secret=b&x=1", "https://h/f?password=REDACTED&secret=REDACTED&x=1"),
    (
        "https://gitlab.example/a.atom?feed_token=glft",
        "https://gitlab.example/a.atom?feed_token=REDACTED",
    ),
    (
        "https://s3/f.xml?X-Amz-Signature=ab&X-Amz-Date=1",
        "https://s3/f.xml?X-Amz-Signature=REDACTED&X-Amz-Date=1",
    ),
    ("https://h/f?api-key=k", "https://h/f?api-key=REDACTED"),
    # percent-encoded names and values
    ("https://h/f?api%5Fkey=a%2Fb%3D&x=%20", "https://h/f?api%5Fkey=REDACTED&x=%20"),
    # empty values and bare names stay as they are
    ("https://h/f?token=&key", "https://h/f?token=&key"),
    # the fragment: name=value pairs are treated like the query
    (
        "https://h/f?token=a#access_token=b&x=1",
        "https://h/f?token=REDACTED#access_token=REDACTED&x=1",
    ),
    ("https://h/f#token", "https://h/f#token"),
    # everything together
    (
        "http://user:s3cret@127.0.0.1:8080/feed.xml?token=t0ps3cret&lang=en#frag",
        "http://***@127.0.0.1:8080/feed.xml?token=REDACTED&lang=en#frag",
    ),
]


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_redacting_twice_changes_nothing(url: str, expected: str) -> None:
    assert redact_url(redact_url(url)) == expected


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("token", True),
        ("private_token", True),
        ("Client-Secret", True),
        ("x_amz_security_token", True),
        ("keyword", False),
        ("monkey", False),
        ("page", False),
        ("tokens_left", False),
    ],
)
def test_secret_param_names(name: str, secret: bool) -> None:
    assert is_secret_param(name) is secret


def test_urls_in_free_text_are_redacted() -> None:
    text = "cannot connect to 'http://u:p@h/f.xml?token=t' (see https://docs/x?key=k), retrying"
    assert redact_text(text) == (
        "cannot connect to 'http://***@h/f.xml?token=REDACTED' "
        "(see https://docs/x?key=REDACTED), retrying"
    )
    assert redact_text("no url here: token=abc") == "no url here: token=abc"


@pytest.mark.parametrize(
    ("moved", "configured"),
    [
        ("https://h/new.xml", "https://h/old.xml?token=t"),
        ("https://u:p@h/new.xml?token=t&x=1", "http://u:p@h/old.xml?token=t"),
        ("https://h/new.xml?token=a&token=b", "https://h/old.xml?token=a&token=b"),
        ("https://h/new.xml?token=&token=b", "https://h/old.xml?token=&token=b"),
    ],
)
def test_a_move_that_keeps_the_credentials_is_restored(moved: str, configured: str) -> None:
    assert restore_secrets(redact_url(moved), configured) == moved


@pytest.mark.parametrize(
    ("moved", "configured"),
    [
        ("https://u:p@h/new.xml", "https://h/old.xml"),
        ("https://h/new.xml?sig=s", "https://h/old.xml?token=t"),
    ],
)
def test_a_move_with_credentials_of_its_own_cannot_be_restored(moved: str, configured: str) -> None:
    assert restore_secrets(redact_url(moved), configured) is None


def test_a_url_that_still_holds_secrets_is_not_a_redacted_one() -> None:
    assert restore_secrets("https://h/f?token=live", "https://h/f?token=live") is None


def test_the_setting_adds_parameter_names() -> None:
    url = "https://h/f?hash=abc&Session-Id=s&page=2"
    set_extra_secret_params(["hash", "session_id", " "])
    try:
        assert redact_url(url) == "https://h/f?hash=REDACTED&Session-Id=REDACTED&page=2"
    finally:
        set_extra_secret_params([])
    assert redact_url(url) == url
