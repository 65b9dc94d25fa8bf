"""The feeds file model (language, tags, at least one feed, repeats located at the repeat) and
the bundled list itself: enough feeds, every language, every URL sourced."""

import re
from pathlib import Path

import pytest
import yaml

from newswatch.analysis.themes.rules import load_themes
from newswatch.common.config_files import bundled_file
from newswatch.common.errors import ConfigError
from newswatch.common.feeds import FeedConfig, load_feeds
from newswatch.fetching.config import ScheduleSettings
from newswatch.service.feed_state import FeedState

LANGUAGES = {"en", "fa", "ps", "ar", "ur", "ru", "fr"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_language_and_tags_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "feeds.yaml",
        "feeds:\n  - url: https://a.test/rss\n    language: fa-AF\n    tags: [wire, afghanistan]\n",
    )
    feed = load_feeds(path)[1].feeds[0]
    assert feed.language == "fa-af"
    assert feed.tags == ("wire", "afghanistan")


def test_language_defaults_to_undeclared(tmp_path: Path) -> None:
    feed = load_feeds(write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://a.test/rss\n"))[1]
    assert feed.feeds[0].language == ""
    assert feed.feeds[0].tags == ()


@pytest.mark.parametrize("language", ["english", "e", "en us", "e1"])
def test_a_bad_language_is_located(tmp_path: Path, language: str) -> None:
    path = write(
        tmp_path,
        "feeds.yaml",
        "feeds:\n  - url: https://a.test/rss\n"
        f"  - url: https://b.test/rss\n    language: {language}\n",
    )
    with pytest.raises(ConfigError, match="BCP 47") as caught:
        load_feeds(path)
    assert (caught.value.line, caught.value.field) == (4, "feeds[1].language")


def test_an_empty_tag_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://a.test/rss\n    tags: ['']\n")
    with pytest.raises(ConfigError) as caught:
        load_feeds(path)
    assert caught.value.field == "feeds[0].tags"


def test_an_empty_feed_list_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds.yaml", "feeds: []\n")
    with pytest.raises(ConfigError, match="at least 1 item") as caught:
        load_feeds(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (path, 1, "feeds")


def test_a_repeated_feed_is_reported_at_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "feeds.yaml",
        "feeds:\n"
        "  - {name: one, url: https://a.test/rss}\n"
        "  - {name: two, url: https://b.test/rss}\n"
        "\n"
        "  - name: three\n"
        "    url: https://a.test/rss\n",
    )
    with pytest.raises(ConfigError, match=r"repeats feeds\[0\]\.url") as caught:
        load_feeds(path)
    assert (caught.value.line, caught.value.field) == (6, "feeds[2].url")


def test_every_repeat_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "feeds.yaml",
        "feeds:\n"
        "  - {name: one, url: https://a.test/rss}\n"
        "  - {name: one, url: https://b.test/rss}\n"
        "  - {name: three, url: https://b.test/rss}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_feeds(path)
    assert (caught.value.line, caught.value.field) == (3, "feeds[1].name")
    assert f"{path}:4: feeds[2].url: " in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "context"),
    [
        # a tab where indentation is expected: the line of the tab
        ("feeds:\n  - url: https://a.test/rss\n\tname: x\n", 3, ""),
        # a key indented out of line: the line of that key
        ("feeds:\n  - url: https://a.test/rss\n   name: x\n  - url: https://b.test/\n", 3, "2"),
        # an unclosed bracket: where the parser gave up, and where the bracket opened
        ("feeds:\n  - url: https://a.test/rss\n    tags: [x\n  - url: https://b.test/\n", 4, "3"),
    ],
)
def test_bad_yaml_is_reported_at_its_line(
    tmp_path: Path, text: str, line: int, context: str
) -> None:
    path = write(tmp_path, "feeds.yaml", text)
    with pytest.raises(ConfigError, match="invalid YAML") as caught:
        load_feeds(path)
    assert caught.value.line == line
    if context:
        assert f"at line {context})" in str(caught.value)


def test_a_theme_without_threshold_needs_one_term_of_weight_1(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "themes.yaml",
        "themes:\n  - name: t\n    groups: [{name: g, required: true, terms: [taliban]}]\n",
    )
    assert load_themes(path)[1].themes[0].threshold == 1.0


def test_the_bundled_feeds_cover_every_language_with_sources() -> None:
    _, feeds = load_feeds(None)
    assert len(feeds.feeds) >= 30
    assert {feed.language for feed in feeds.feeds} == LANGUAGES
    assert all(feed.tags for feed in feeds.feeds)
    assert len({feed.name for feed in feeds.feeds}) == len(feeds.feeds)
    assert len({feed.url for feed in feeds.feeds}) == len(feeds.feeds)
    text = bundled_file("feeds.yaml").read_text(encoding="utf-8").splitlines()
    entries = [index for index, line in enumerate(text) if line.startswith("  - ")]
    assert len(entries) == len(feeds.feeds)
    for index in entries:
        assert re.fullmatch(r"  # source: https?://\S+.*", text[index - 1]), text[index]


def test_the_bundled_gdelt_queries_ask_for_rss_article_lists() -> None:
    raw = yaml.safe_load(bundled_file("feeds.yaml").read_text(encoding="utf-8"))
    gdelt = [feed for feed in raw["feeds"] if "gdelt" in feed["tags"]]
    themes = {tag for feed in gdelt for tag in feed["tags"] if tag.startswith("theme:")}
    assert themes == {"theme:doha_agreement", "theme:prisoner_release", "theme:taliban_attacks"}
    for feed in gdelt:
        assert feed["url"].startswith("https://api.gdeltproject.org/api/v2/doc/doc?query=")
        assert "&mode=artlist&format=rss" in feed["url"]


def test_feed_health_carries_language_and_tags() -> None:
    feed = FeedConfig(url="https://a.test/rss", language="ps", tags=("wire", "afghanistan"))
    snapshot = FeedState.start(feed, ScheduleSettings()).snapshot()
    assert (snapshot["language"], snapshot["tags"]) == ("ps", ["wire", "afghanistan"])
