"""Throughput of the semantic second opinion, apart from the rule path (``match_bench.py``).

Run: ``.venv/bin/python benchmarks/semantic_bench.py [--items N] [--batch B]``. It reports, it
does not assert. On the news-like ``stream`` mix of ``match_bench.py`` it measures, on one core:

- the prefilter (``Analyzer.candidate`` after ``analyse``: the rules' explanation of the items
  with some term, no model): its items per second, and the share of items that are candidates,
  that is, that would be embedded;
- the embedding of the candidates with multilingual-e5-small on one thread (as the service's
  worker process runs it), in batches of ``--batch``: candidates per second per core;
- the classifiers and the combine rule on the vectors (``Analyzer.with_opinion``).

From those, the items per second of the whole stream that one core of embedding keeps up with.
"""

import argparse
import time

from match_bench import build_items

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.semantic.classifier import load_semantic_model
from newswatch.analysis.semantic.embed import E5Embedder
from newswatch.analysis.semantic.opinion import SecondOpinion
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--mix", choices=["stream", "themed"], default="stream")
    args = parser.parse_args()
    model = load_semantic_model()
    analyzer = Analyzer(
        compile_themes(load_themes(None)[1]), opinion=SecondOpinion(model, model.threshold)
    )
    items = build_items(args.items, args.mix)

    started = time.perf_counter()
    analysed = [(analyzer.analyse(t, s, lang), t, s) for t, s, lang in items]
    candidates = [
        (analysis, candidate)
        for analysis, title, summary in analysed
        if (candidate := analyzer.candidate(analysis, title, summary)) is not None
    ]
    prefilter_seconds = time.perf_counter() - started
    share = len(candidates) / len(items)
    print(
        f"rules and prefilter: {len(items) / prefilter_seconds:,.0f} items/s; "
        f"{len(candidates)} of {len(items)} items are candidates ({share:.1%})"
    )

    embedder = E5Embedder(threads=1)
    texts = [candidate.text for _, candidate in candidates]
    started = time.perf_counter()
    vectors = [
        vector
        for start in range(0, len(texts), args.batch)
        for vector in embedder.embed(texts[start : start + args.batch])
    ]
    embed_seconds = time.perf_counter() - started
    per_core = len(texts) / embed_seconds
    print(f"embedding, one thread, batches of {args.batch}: {per_core:,.1f} candidates/s")

    started = time.perf_counter()
    added = 0
    for (analysis, candidate), vector in zip(candidates, vectors, strict=True):
        revised = analyzer.with_opinion(analysis, candidate, vector)
        added += len(revised.themes) - len(analysis.themes)
    decide_seconds = time.perf_counter() - started
    print(
        f"classifiers and combine rule: {len(candidates) / decide_seconds:,.0f} candidates/s; "
        f"{added} themes added"
    )
    print(
        f"one core of embedding keeps up with {per_core / share:,.0f} stream items/s"
        if share
        else "no candidates"
    )


if __name__ == "__main__":
    main()
