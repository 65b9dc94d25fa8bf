"""Finding the terms of the compiled themes in an item's folded fields.

One scan of each field by the shared keywords gives the places of every segment; a term is
found where its first segment is, when its language's list applies to the item, and, for a
chain (a phrase whose inner words inflect), where its following segments come word after word.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

from newswatch.analysis.keywords import Places
from newswatch.analysis.language import primary_language
from newswatch.analysis.text import FoldedText
from newswatch.analysis.themes.compile import Starters, ThemeEngine

Place = tuple[int, int, int]
"""Where a term was found: field (0 title, 1 summary), start and stop in the folded text."""


class Found(NamedTuple):
    """Every place of every term that applies, of one engine on one item, and the terms per
    theme."""

    places: dict[int, list[Place]]
    by_theme: dict[int, set[int]]


Language = str | None | Callable[[], str | None]
"""An item's language (a BCP 47 tag, None when unknown), or a function that gives it: it is
asked for only when some term is found, as most items have none (see ``analysis.engine``)."""


def starters_for(engine: ThemeEngine, language: str | None) -> Starters:
    """The terms that apply to an item in ``language`` (a BCP 47 tag): its lists and the
    language-neutral ones when the themes have lists for it, otherwise all of them."""
    return engine.starters.get(primary_language(language)) or engine.starters[None]


_NOTHING: Found = Found({}, {})


def find(engine: ThemeEngine, texts: Sequence[FoldedText], language: Language) -> Found:
    """Every place of every term that applies to ``language``, per term id, and the terms
    found per theme."""
    scans = [engine.keywords.scan(folded.text) for folded in texts]
    if not any(scans):
        return _NOTHING
    found: dict[int, list[Place]] = {}
    starting_with = starters_for(engine, language() if callable(language) else language)
    for field, segment_places in enumerate(scans):
        for segment, spans in segment_places.items():
            places: list[Place] | None = None
            for term_id, following in starting_with.get(segment, ()):
                if following:
                    if not all(map(segment_places.__contains__, following)):
                        continue  # some later segment occurs nowhere (most chains)
                    chain = _chain(following, spans, segment_places)
                    if not chain:
                        continue
                    term_places = [(field, start, stop) for start, stop in chain]
                else:
                    places = places or [(field, start, stop) for start, stop in spans]
                    term_places = places
                earlier = found.get(term_id)
                found[term_id] = term_places if earlier is None else earlier + term_places
    by_theme: dict[int, set[int]] = {}
    for term_id in found:  # in the order the terms were first found
        by_theme.setdefault(engine.terms[term_id].theme, set()).add(term_id)
    return Found(found, by_theme)


def _chain(
    following: tuple[int, ...], spans: list[tuple[int, int]], segment_places: Places
) -> list[tuple[int, int]]:
    """Spans where a term's first segment (at ``spans``) is followed, word after word, by
    the ``following`` segments."""
    chained = []
    for start, stop in spans:
        end: int | None = stop
        for segment in following:
            ends_by_start = dict(segment_places.get(segment, ()))
            end = ends_by_start.get(end + 1) if end is not None else None
        if end is not None:
            chained.append((start, end))
    return chained
