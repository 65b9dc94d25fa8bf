"""The command line as a user runs it: --once to stdout, match, check-config, --help."""

import json
from pathlib import Path

import pytest

from newswatch.analysis.evaluate import BUNDLED_SET
from newswatch_devtools.feed_server import FeedServer
from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import run_newswatch, run_once_to_stdout
from tests.integration.test_ingester_kafka import serve_fixture_feeds, write_feeds_file

pytestmark = pytest.mark.integration


def test_once_to_stdout_needs_no_kafka(tmp_path: Path, feed_server: FeedServer) -> None:
    serve_fixture_feeds(feed_server)
    feeds_file = write_feeds_file(tmp_path, feed_server)
    result = run_once_to_stdout(feeds_file, "--bootstrap-servers", f"127.0.0.1:{free_port()}")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == 4
    for event in events:
        assert event["specversion"] == "1.0"
        assert event["type"] == "org.newswatch.item.v1"
        assert event["id"] == event["data"]["id"]
        assert event["data"]["themes"]
    assert all(json.loads(line) for line in result.stderr.splitlines())


def test_match_tags_lines_in_order() -> None:
    article = (ROOT / "tests" / "fixtures" / "article.txt").read_text(encoding="utf-8")
    title, _, body = article.partition("\n")
    lines = [
        {
            "id": "attack",
            "title": "Taliban fighters attack Afghan army checkpoint",
            "summary": "Taliban fighters attacked an Afghan army checkpoint in Kunduz province, "
            "killing at least 14 soldiers.",
        },
        {
            "id": "airline",
            "title": "Qatar Airways launches new flights from Doha",
            "summary": "Three flights a week from Doha to Lisbon.",
            "lang": "en",
        },
        {"id": "article", "title": title, "summary": body},
    ]
    result = run_newswatch("match", stdin="\n".join(json.dumps(line) for line in lines) + "\n")
    assert result.returncode == 0, result.stderr
    output = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], sorted(t["theme"] for t in o["themes"])) for o in output] == [
        ("attack", ["taliban_attacks"]),
        ("airline", []),
        ("article", ["doha_agreement", "prisoner_release", "taliban_attacks"]),
    ]
    evidence = output[0]["themes"][0]["evidence"]
    assert {"term", "field", "start", "end", "weight"} <= set(evidence[0])


def test_match_reports_a_bad_line_in_place() -> None:
    result = run_newswatch("match", stdin='{"id": 1, "title": "x"}\nnot json\n')
    assert result.returncode == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first == {"id": 1, "themes": []}
    assert second["line"] == 2
    assert "error" in second


def test_check_config_names_file_line_and_field(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: https://ok.test/rss\n  - url: gopher://bad.test/\n")
    result = run_newswatch("check-config", "--feeds", str(feeds))
    assert result.returncode == 2
    assert f"{feeds}:3: feeds[1].url:" in result.stderr


def test_match_uses_the_lang_field() -> None:
    line = {"id": "fa", "lang": "fa-AF", "title": "دولت ۱۰۰ زندانی طالبان را آزاد کرد"}
    result = run_newswatch("match", stdin=json.dumps(line, ensure_ascii=False) + "\n")
    assert result.returncode == 0, result.stderr
    (theme,) = json.loads(result.stdout)["themes"]
    assert theme["theme"] == "prisoner_release"
    assert theme["threshold"] == 3
    assert {item["language"] for item in theme["evidence"]} <= {"fa", "any"}


def test_match_explain_prints_evidence_in_context() -> None:
    lines = [
        {"id": "a", "title": "Islamic State claims attack on Taliban checkpoint", "summary": ""},
        {"id": "b", "title": "Taliban fighters attack Afghan army checkpoint", "summary": ""},
    ]
    result = run_newswatch(
        "match", "--explain", stdin="\n".join(json.dumps(line) for line in lines) + "\n"
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("\nline 2")
    assert first.startswith("line 1, id a [und]: no theme")
    assert "why not: vetoed by exclusion 'islamic_state'" in first
    assert ", id b [und]: taliban_attacks" in second
    assert "taliban_attacks: MATCH" in second
    assert "Taliban fighters [attack] Afghan army checkpoint" in second


def test_evaluate_prints_both_parts_of_the_corpus() -> None:
    result = run_newswatch("evaluate")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "the held-out part matches its lock"
    development, held_out = result.stdout.split("== held-out part")
    assert development.startswith("== development part of evaluation/corpus/ (")
    for part in (development, held_out):
        assert "\nen (" in part
        assert "\nother (" in part
        assert "confusions (" in part
        assert "hard negatives given a theme: " in part
        for language in ("en", "fa", "ps", "ar", "ur", "ru", "fr"):
            assert f"\n  {language} " in part, language
    assert "targets: precision >= 0.95, F1 >= 0.92" in held_out


def test_evaluate_one_set_meets_the_development_targets() -> None:
    result = run_newswatch("evaluate", "--set", str(BUNDLED_SET))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("en (")
    assert "below target: none" in result.stdout


def test_evaluate_locates_a_bad_set(tmp_path: Path) -> None:
    labelled = tmp_path / "set.jsonl"
    labelled.write_text('{"id": "a", "lang": "en", "title": "x", "summary": ""}\n')
    result = run_newswatch("evaluate", "--set", str(labelled))
    assert result.returncode == 2
    assert f"{labelled}:1: themes: Field required" in result.stderr


@pytest.mark.parametrize(
    ("rule", "line", "field", "message"),
    [
        (
            "        terms: {en: [attack], xx1: [x]}\n",
            9,
            "themes[0].groups[1].terms.xx1.[key]",
            "should match pattern",
        ),
        ("        terms: [a*b]\n", 9, "themes[0].groups[1].terms[0].term", "may only end a word"),
        (
            "        near: {group: nowhere, words: 3}\n        terms: [attack]\n",
            2,
            "themes[0]",
            "names group 'nowhere'",
        ),
    ],
)
def test_check_config_explains_a_bad_rule(
    tmp_path: Path, rule: str, line: int, field: str, message: str
) -> None:
    themes = tmp_path / "themes.yaml"
    themes.write_text(
        "themes:\n"
        "  - name: t\n"
        "    threshold: 1\n"
        "    groups:\n"
        "      - name: actor\n"
        "        terms: [taliban]\n"
        "      - name: act\n"
        "        required: true\n" + rule,
        encoding="utf-8",
    )
    result = run_newswatch("check-config", "--themes", str(themes))
    assert result.returncode == 2
    assert f"{themes}:{line}: {field}: " in result.stderr
    assert message in result.stderr


def test_check_config_accepts_the_bundled_files() -> None:
    result = run_newswatch("check-config")
    assert result.returncode == 0, result.stderr
    assert "3 themes OK" in result.stdout
    assert "37 feeds OK" in result.stdout


@pytest.mark.parametrize("command", [[], ["run"], ["match"], ["evaluate"], ["check-config"]])
def test_help(command: list[str]) -> None:
    result = run_newswatch(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: newswatch")


def test_check_config_reports_both_files_in_one_run(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    themes = tmp_path / "themes.yaml"
    themes.write_text("themes:\n  - name: t\n    groups: [x\n", encoding="utf-8")
    result = run_newswatch("check-config", "--feeds", str(feeds), "--themes", str(themes))
    assert result.returncode == 2
    assert f"{feeds}:1: feeds: " in result.stderr
    assert f"{themes}:4: invalid YAML" in result.stderr
    assert "bundled gazetteer: OK" in result.stdout


def test_check_config_counts_in_the_right_number(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: https://one.test/rss\n    language: ps\n")
    themes = tmp_path / "themes.yaml"
    themes.write_text(
        "themes:\n  - name: t\n    groups: [{name: g, required: true, terms: [taliban]}]\n",
        encoding="utf-8",
    )
    result = run_newswatch("check-config", "--feeds", str(feeds), "--themes", str(themes))
    assert result.returncode == 0, result.stderr
    assert f"{feeds}: 1 feed OK" in result.stdout
    assert f"{themes}: 1 theme OK (t)" in result.stdout
