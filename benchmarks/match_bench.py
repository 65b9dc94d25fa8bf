"""Matching and extraction throughput, beside a naive regular-expression baseline.

Run: ``.venv/bin/python benchmarks/match_bench.py [--items N] [--rounds R]``. It reports, it does
not assert. Items are short news items (a title and a summary of about 300 characters) built
from the labelled set's texts and neutral filler sentences, in two mixes (``MIXES``): ``themed``,
where two items in five come from the themes' world, and ``stream``, where most are ordinary
news. Both contenders run on one core, in this process, on the same items.

Every newswatch row runs the analysis engine (``Analyzer.analyse``), the service's own path:
folding, the choice of language, then matching and/or extraction.

- newswatch matching: an ``Analyzer`` of the bundled themes: folding, the language choice, the
  Aho-Corasick pass, the rule decisions, and evidence (with spans mapped back) for every theme
  that fires.
- extraction: an ``Analyzer`` of the bundled gazetteer only, extracting from every item:
  folding, the Aho-Corasick pass for actors and places, their resolution and mentions (spans
  mapped back), and the figure grammar on the fields that have a figure cue and a number.
- matching + extraction: both on every item (``facts_for_every_item``), the fields folded once.
- ingester path: the service's ``Analyzer``: matching, and extraction from the matched items.
- extraction of pre-folded fields: ``extract`` given fields folded beforehand (fresh each
  round, outside the timing): what extraction adds to matching, which shares the folding.
- baseline: for each theme, one compiled regular expression, the alternation of all its terms
  (case-insensitive, whole words, optional plural ``s``), run with ``findall`` over the title and
  the summary; no exclusions, no proximity, no evidence. It does less work than newswatch and
  would be far less precise; it is there to show what a straightforward design costs.
"""

import argparse
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.evaluate import BUNDLED_SET
from newswatch.analysis.facts.extract import extract
from newswatch.analysis.facts.gazetteer import Gazetteer, compile_gazetteer
from newswatch.analysis.text import fold
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import ThemeSet, load_themes
from newswatch.app import tune_garbage_collector

FILLER = [
    "The central bank left interest rates unchanged on Thursday, citing stable inflation.",
    "Heavy rain is expected across the north of the country over the weekend.",
    "The ministry said the new hospital would open to patients early next year.",
    "Shares in the carmaker rose four percent after it raised its profit forecast.",
    "Officials said talks on the budget would resume after the holiday.",
    "The festival drew more than 50,000 visitors, organisers said.",
    "Farmers warned that the drought could cut the wheat harvest by a third.",
    "The company plans to hire 2,000 engineers over the next two years.",
    "Police said the road would remain closed until repairs are finished.",
    "The museum will display the collection for the first time since 1998.",
    "Lawmakers approved the bill by a narrow margin late on Tuesday.",
    "The airline said it would add two weekly flights to the capital.",
    "Researchers found that the vaccine remained effective after six months.",
    "The mayor promised new bus lanes and more frequent trains.",
    "Exports fell for a third month as demand from Europe weakened.",
    "The team's coach said the players were ready for the final.",
    "Residents were told to boil drinking water after the pipe burst.",
    "The court adjourned the hearing until next month.",
]


MIXES = {
    "themed": ("other", "on_theme", "look_alike", "", ""),
    "stream": ("other", "on_theme", "look_alike") + ("",) * 17,
}
"""Item kinds in rotation: ``themed`` has a fifth non-English, a fifth on a theme, a fifth
look-alikes; ``stream`` (closer to a real feed mix) has a twentieth of each, the rest filler."""


def build_items(count: int, mix: str, seed: int = 7) -> list[tuple[str, str, str]]:
    """``count`` (title, summary, language) items of ``mix``, the same for a given seed.

    Non-English, on-theme and look-alike items come from the labelled set; filler items are
    neutral news sentences; every summary is topped up with filler to 300 characters or more.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    labelled = [json.loads(line) for line in BUNDLED_SET.read_text(encoding="utf-8").splitlines()]
    pools = {
        "other": [item for item in labelled if item["lang"] != "en"],
        "on_theme": [item for item in labelled if item["lang"] == "en" and item["themes"]],
        "look_alike": [item for item in labelled if item["lang"] == "en" and not item["themes"]],
    }
    kinds = MIXES[mix]
    items = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        if kind:
            source = rng.choice(pools[kind])
            title, summary, language = source["title"], source["summary"], source["lang"]
        else:
            title, summary, language = rng.choice(FILLER).rstrip("."), "", "en"
        while len(summary) < 300:
            summary = f"{summary} {rng.choice(FILLER)}".strip()
        items.append((title, summary, language))
    return items


def baseline_patterns(theme_set: ThemeSet) -> list[re.Pattern[str]]:
    """One alternation per theme over all its terms, whole words, optional plural ``s``."""
    patterns = []
    for theme in theme_set.themes:
        alternatives = set()
        for group in theme.groups:
            for terms in group.by_language().values():
                for term in terms:
                    words = [re.escape(word.rstrip("*")) for word in term.term.split()]
                    alternatives.add(r"[\W_]+".join(words))
        body = "|".join(sorted(alternatives, key=len, reverse=True))
        patterns.append(re.compile(rf"(?<!\w)(?:{body})s?(?!\w)", re.IGNORECASE))
    return patterns


def run_analyzer(analyzer: Analyzer, items: list[tuple[str, str, str]]) -> int:
    """Analyse every item; return how many got a theme or, without themes, had facts."""
    found = 0
    for title, summary, lang in items:
        analysis = analyzer.analyse(title, summary, lang)
        facts = analysis.facts
        found += bool(analysis.themes or facts.figures or facts.actors or facts.places)
    return found


def rate_prefolded(
    gazetteer: Gazetteer, items: list[tuple[str, str, str]], rounds: int
) -> tuple[float, float, int]:
    """Like ``best_rate`` for ``extract`` on fields folded before each timed round."""
    rates = []
    found = 0
    for _ in range(rounds):
        fields = [(fold(title), fold(summary)) for title, summary, _ in items]
        started = time.perf_counter()
        found = 0
        for title, summary in fields:
            facts = extract(gazetteer, title, summary)
            found += bool(facts.figures or facts.actors or facts.places)
        rates.append(len(items) / (time.perf_counter() - started))
    return max(rates), statistics.median(rates), found


def run_baseline(patterns: list[re.Pattern[str]], items: list[tuple[str, str, str]]) -> int:
    """Run every theme's alternation over every item; return how many had a hit."""
    tagged = 0
    for title, summary, _ in items:
        found = [pattern.findall(title) + pattern.findall(summary) for pattern in patterns]
        tagged += any(found)
    return tagged


def best_rate(run: Callable[[], int], count: int, rounds: int) -> tuple[float, float, int]:
    """Best and median items per second over ``rounds`` runs, and the run's result."""
    rates = []
    result = 0
    for _ in range(rounds):
        started = time.perf_counter()
        result = run()
        rates.append(count / (time.perf_counter() - started))
    return max(rates), statistics.median(rates), result


def main() -> None:
    """Build the items, time both contenders, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--themes", type=Path, default=None)
    parser.add_argument("--gazetteer", type=Path, default=None)
    args = parser.parse_args()
    _, theme_set = load_themes(args.themes)
    started = time.perf_counter()
    themes = compile_themes(theme_set)
    compile_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    gazetteer = compile_gazetteer(args.gazetteer)
    gazetteer_ms = (time.perf_counter() - started) * 1000
    patterns = baseline_patterns(theme_set)
    matching = Analyzer(themes)
    extraction = Analyzer((), gazetteer, facts_for_every_item=True)
    both = Analyzer(themes, gazetteer, facts_for_every_item=True)
    ingester = Analyzer(themes, gazetteer)
    tune_garbage_collector()
    print(
        f"themes compiled in {compile_ms:.0f} ms, gazetteer in {gazetteer_ms:.0f} ms; "
        f"one core, best and median of {args.rounds}; garbage collector tuned as the "
        "ingester tunes it"
    )
    for mix in MIXES:
        items = build_items(args.items, mix)
        chars = statistics.mean(len(title) + len(summary) for title, summary, _ in items)
        print(f"{mix}: {len(items)} items, {chars:.0f} characters each (title + summary)")
        for name, run in (
            ("newswatch matching", lambda items=items: run_analyzer(matching, items)),
            ("newswatch extraction", lambda items=items: run_analyzer(extraction, items)),
            ("newswatch matching + extraction", lambda items=items: run_analyzer(both, items)),
            (
                "ingester path (extract matched only)",
                lambda items=items: run_analyzer(ingester, items),
            ),
            (
                "baseline (regex alternation per theme)",
                lambda items=items: run_baseline(patterns, items),
            ),
        ):
            best, median, tagged = best_rate(run, len(items), args.rounds)
            print(
                f"  {name:<40} {best:>9,.0f} items/s best, {median:>9,.0f} median "
                f"({tagged} items tagged, with facts, or hit)"
            )
        best, median, found = rate_prefolded(gazetteer, items, args.rounds)
        print(
            f"  {'newswatch extraction, pre-folded':<40} {best:>9,.0f} items/s best, "
            f"{median:>9,.0f} median ({found} items with facts)"
        )


if __name__ == "__main__":
    main()
