"""Fact extraction: the figures, actors and Afghan places an item's title and summary name.

Pure logic: compile the gazetteer once with ``gazetteer.compile_gazetteer``, then call
``extract`` per item. Every fact carries its field and the character span of its text in that
field as given. The work is split by subject: ``gazetteer`` (the file and its compiled form),
``names`` (actors and places), ``figure_words``, ``numbers`` and ``figures`` (the figure
grammar); this module puts them together.

**Actors and places** (``names``) come from the gazetteer (``defaults/gazetteer.yaml``, whose
header documents the format): every name in every language is a keyword of one automaton over
folded text (``analysis.keywords``, ``text.fold``), like theme terms. **Figures** (``figures``)
are read from English text with a small grammar, only around numbers that have a cue word
nearby; the gazetteer's automaton finds the cue words too, so most fields never reach it.
"""

from dataclasses import dataclass
from typing import Final

from newswatch.analysis.facts.figures import cue_windows, figures_in
from newswatch.analysis.facts.gazetteer import CUE, Gazetteer
from newswatch.analysis.facts.names import Mentions, actors_and_places, add_mentions
from newswatch.analysis.text import FIELDS, FoldedText, fold
from newswatch_schemas import Actor, Figure, Place


@dataclass(frozen=True, slots=True)
class Facts:
    """What ``extract`` found in one item, ready for the ``NewsItem`` fields of the same names."""

    figures: tuple[Figure, ...] = ()
    actors: tuple[Actor, ...] = ()
    places: tuple[Place, ...] = ()


NO_FACTS: Final = Facts()


def extract(gazetteer: Gazetteer, title: str | FoldedText, summary: str | FoldedText) -> Facts:
    """The figures, actors and places of an item, each with spans into the original fields.

    A field may be given already folded (``text.fold``), so that a caller that folded it for
    another purpose does not pay twice.
    """
    figures: list[Figure] = []
    mentions = Mentions({}, {})
    for field, given in zip(FIELDS, (title, summary), strict=True):
        folded = given if isinstance(given, FoldedText) else fold(given)
        found = gazetteer.keywords.scan(folded.text)
        if not found:
            continue
        cues = found.get(CUE)
        if cues:
            for start, end in cue_windows(folded, cues):
                figures.extend(figures_in(folded.original, field, start, end))
        add_mentions(gazetteer, folded, field, found, mentions)
    if not (figures or mentions.actors or mentions.places):
        return NO_FACTS
    actors, places = actors_and_places(gazetteer, mentions)
    return Facts(tuple(figures), tuple(actors), tuple(places))
