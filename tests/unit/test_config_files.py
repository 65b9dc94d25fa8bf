"""Feeds and themes files: good files load, bad ones are located by file, line and field."""

from pathlib import Path

import pytest

from newswatch.analysis.themes.rules import load_themes
from newswatch.common.errors import ConfigError
from newswatch.common.feeds import load_feeds


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_files_load() -> None:
    _, feeds = load_feeds(None)
    _, themes = load_themes(None)
    assert feeds.feeds
    assert [theme.name for theme in themes.themes] == [
        "doha_agreement",
        "prisoner_release",
        "taliban_attacks",
    ]


def test_feed_name_defaults_to_host(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds.yaml", "feeds:\n  - url: https://news.test/rss\n")
    _, feeds = load_feeds(path)
    assert feeds.feeds[0].name == "news.test"


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("feeds:\n  - url: https://a.test/\n  - url: ftp://b.test/\n", 3, "feeds[1].url", "http"),
        ("feeds:\n  - url: https://a.test/\n    nmae: A\n", 3, "feeds[0].nmae", "Extra"),
        ("feeds:\n  - name: only-a-name\n", 2, "feeds[0].url", "required"),
        ("feeds:\n  - url: [unclosed\n", 3, "", "invalid YAML"),
        (
            "feeds:\n  - url: https://a.test/\n  - url: https://a.test/\n",
            3,
            "feeds[1].url",
            "repeats",
        ),
    ],
)
def test_bad_feeds_file_is_located(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path, "feeds.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_feeds(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (path, line, field)
    assert message in str(error)
    assert str(error).startswith(f"{path}:{line}: ")


def test_bad_theme_term_is_located(tmp_path: Path) -> None:
    text = (
        "themes:\n"
        "  - name: t\n"
        "    groups:\n"
        "      - name: g\n"
        "        terms:\n"
        "          - ok\n"
        "          - {term: fine, weight: -1}\n"
    )
    path = write(tmp_path, "themes.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_themes(path)
    assert caught.value.line == 7
    assert caught.value.field == "themes[0].groups[0].terms[1].weight"


def test_unreachable_threshold_is_refused(tmp_path: Path) -> None:
    text = "themes:\n  - name: t\n    threshold: 5\n    groups:\n      - {name: g, terms: [a]}\n"
    path = write(tmp_path, "themes.yaml", text)
    with pytest.raises(ConfigError, match="can never be reached") as caught:
        load_themes(path)
    assert caught.value.line == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_feeds(tmp_path / "absent.yaml")
