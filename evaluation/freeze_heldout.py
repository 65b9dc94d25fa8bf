"""Record the corpus's held-out part as it is now, in evaluation/heldout.lock.

A deliberate act: run it only when items were added to or corrected in the corpus, before any
rule or model change is measured on the new held-out part, and say so in CHANGELOG.md.
"""

from newswatch.analysis.corpus import HELD_OUT_LOCK, freeze_lock, load_corpus


def main() -> None:
    """Write the lock and say what it holds."""
    corpus = load_corpus()
    freeze_lock(corpus)
    print(f"{HELD_OUT_LOCK}: {len(corpus.held_out)} held-out items frozen")


if __name__ == "__main__":
    main()
