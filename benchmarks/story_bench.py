"""Story assignment throughput and memory: ``StoryIndex.assign`` and ``BurstDetector.observe``.

Run: ``.venv/bin/python benchmarks/story_bench.py [--items N] [--hours H]``. It reports, it does
not assert. Items are short news items (a title and a summary of two or three sentences, about
300 characters) from one genre, so that unrelated items share stock phrases ("the ministry of
defence said", "on Monday") as a real stream does: built from sentence templates with places,
figures, actors and days filled in at random, plus neutral filler sentences. About a third of
the items are copies of a recent item from another source (a new title, a dateline, trailing
boilerplate, or a truncated summary). Publication times spread the items over ``--hours``, so
with the default 72-hour horizon eviction runs too. One core, in this process.

- ``assign``: normalisation, shingling, sketch lookup, exact verification, insertion, eviction.
- memory: bytes allocated (tracemalloc) by an index holding every item, per item.
"""

import argparse
import random
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from newswatch.analysis.stories import BurstDetector, StoryConfig, StoryIndex, story_text

PLACES = [
    "Kunduz", "Baghlan", "Helmand", "Kandahar", "Faryab", "Takhar", "Ghazni", "Herat", "Balkh",
    "Nangarhar", "Logar", "Wardak", "Paktia", "Khost", "Zabul", "Uruzgan", "Farah", "Badghis",
    "Jawzjan", "Sar-e-Pul", "Samangan", "Badakhshan", "Kapisa", "Parwan", "Laghman", "Kunar",
]  # fmt: skip
ACTORS = ["Taliban fighters", "gunmen", "insurgents", "security forces", "police", "soldiers"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
LEADS = [
    "{actor} attacked a checkpoint in {place} province on {day}, killing {n} people and wounding "
    "{m} others, officials said.",
    "At least {n} people were killed when a roadside bomb hit a vehicle in {place} on {day}, the "
    "provincial governor's spokesman said.",
    "The government released {n} prisoners from a jail in {place} on {day}, the National "
    "Security Council said in a statement.",
    "{actor} clashed for hours in the {place} district on {day}; {n} fighters and {m} civilians "
    "died, according to local officials.",
    "Officials in {place} said on {day} that {n} schools had reopened after the fighting, and "
    "that {m} more would open next month.",
    "The ministry of defence said on {day} that {n} militants were killed in operations in "
    "{place} over the past 24 hours.",
]
FILLER = [
    "The Taliban did not immediately comment on the report.",
    "No group claimed responsibility for the attack.",
    "Talks between the two sides have stalled in recent weeks.",
    "The ministry said an investigation had been opened.",
    "Residents said the roads to the district remained closed.",
    "The United Nations called for restraint from all sides.",
    "Officials said reinforcements had been sent to the area.",
    "Violence has risen since the agreement was signed in February.",
]
BOILERPLATE = [
    " The post appeared first on Daily Frontier.",
    " Copyright 2020 Kabul Wire. All rights reserved.",
    " Follow us on Twitter for the latest news.",
]
SOURCES = [f"feed-{number:03d}" for number in range(300)]


def build_items(count: int, hours: float, seed: int = 11) -> list[tuple[str, str, datetime, str]]:
    """``count`` (item id, text, published_at, source), in publication order."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    start = datetime(2020, 3, 1, tzinfo=UTC)
    step = hours * 3600 / count
    items: list[tuple[str, str, datetime, str]] = []
    recent: list[tuple[str, str]] = []
    for index in range(count):
        at = start + timedelta(seconds=index * step + rng.uniform(0, step))
        source = rng.choice(SOURCES)
        if recent and rng.random() < 0.33:
            title, summary = rng.choice(recent[-200:])
            variant = rng.randrange(4)
            if variant == 0:
                title = f"{rng.choice(PLACES)}: {title.lower()}"
            elif variant == 1:
                summary = f"KABUL ({source}) - {summary}"
            elif variant == 2:
                summary += rng.choice(BOILERPLATE)
            else:
                summary = summary[: len(summary) * 2 // 3] + "…"
        else:
            actor = rng.choice(ACTORS)
            fields: dict[str, object] = {
                "actor": actor,
                "place": rng.choice(PLACES),
                "day": rng.choice(DAYS),
                "n": rng.randint(2, 120),
                "m": rng.randint(1, 40),
            }
            lead = rng.choice(LEADS).format(**fields)
            title = f"{fields['n']} dead in {fields['place']} as {actor.lower()} clash"
            summary = " ".join([lead, *rng.sample(FILLER, rng.randint(1, 2))])
            recent.append((title, summary))
        items.append((f"{index:032x}", story_text(title, summary), at, source))
    return items


def run_assign(items: list[tuple[str, str, datetime, str]], config: StoryConfig) -> float:
    """Seconds to assign every item to a fresh index."""
    index = StoryIndex(config)
    started = time.perf_counter()
    for item_id, text, at, source in items:
        index.assign(item_id, text, at, source)
    return time.perf_counter() - started


def main() -> None:
    """Build the items, time assignment and burst detection, measure memory, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--hours", type=float, default=96.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = build_items(args.items, args.hours)
    config = StoryConfig()
    mean_chars = statistics.mean(len(text) for _, text, _, _ in items)
    print(f"{len(items)} items over {args.hours:g} h, mean {mean_chars:.0f} characters")

    times = [run_assign(items, config) for _ in range(args.rounds)]
    best = min(times)
    print(f"assign: {len(items) / best:,.0f} items/s (best of {args.rounds}; {best:.2f} s)")

    index = StoryIndex(config)
    detector = BurstDetector()
    assignments = [index.assign(*item) for item in items]
    new_stories = sum(assignment.is_new_story for assignment in assignments)
    print(
        f"stories: {new_stories} for {len(items)} items; {len(index)} items held at the end "
        f"(horizon {config.horizon})"
    )
    started = time.perf_counter()
    bursts = 0
    for assignment in assignments:
        now = assignment.published_at + timedelta(minutes=5)
        bursts += detector.observe(assignment, ["taliban_attacks"], now) is not None
    elapsed = time.perf_counter() - started
    print(f"observe: {len(assignments) / elapsed:,.0f} items/s; {bursts} bursts")

    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    held = StoryIndex(StoryConfig(horizon=timedelta(days=3650)))
    for item in items:
        held.assign(*item)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    allocated = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"memory: {allocated / len(held):,.0f} bytes per indexed item ({len(held)} items held)")


if __name__ == "__main__":
    main()
