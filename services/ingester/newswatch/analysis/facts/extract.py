"""Fact extraction: the figures, actors and Afghan places an item's title and summary name.

Pure logic: compile the gazetteer once with ``gazetteer.compile_gazetteer``, then call
``extract`` per item. Every fact carries its field and the character span of its text in that
field as given. The work is split by subject: ``gazetteer`` (the file and its compiled form),
``names`` (actors and places), ``figure_words``, ``numbers`` and ``figures`` (the figure
grammar); this module puts them together.

**Actors and places** (``names``) come from the gazetteer (``defaults/gazetteer.yaml``, whose
header documents the format): every name in every language is a keyword of one automaton over
folded text (``analysis.keywords``, ``text.fold``), like theme terms. **Figures** are read
with a small grammar, only around numbers that have a cue word nearby: English with
``figures``, Dari/Persian, Pashto, Urdu, Arabic, Russian and French with
``figures_multilingual``. The gazetteer's automaton finds the cue words of every language
too, under one id per language, so most fields never reach a grammar, and a field is read
in English when it has English cue words, and in the one other language that its cue words
and letters point to (``_language_evidence``); where English and that language read the same
number, the English figure is kept.
"""

from dataclasses import dataclass
from typing import Final

from newswatch.analysis.facts.figures import cue_windows, figures_in
from newswatch.analysis.facts.figures_multilingual import figures_in_language
from newswatch.analysis.facts.gazetteer import CUE, Gazetteer, language_cue
from newswatch.analysis.facts.names import Mentions, actors_and_places, add_mentions
from newswatch.analysis.keywords import Places
from newswatch.analysis.language import LETTERS
from newswatch.analysis.text import FIELDS, FoldedText, fold
from newswatch_schemas import Actor, Figure, Place, TextField


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
        figures.extend(_figures(gazetteer, folded, field, found))
        add_mentions(gazetteer, folded, field, found, mentions)
    if not (figures or mentions.actors or mentions.places):
        return NO_FACTS
    actors, places = actors_and_places(gazetteer, mentions)
    return Facts(tuple(figures), tuple(actors), tuple(places))


def _figures(
    gazetteer: Gazetteer, folded: FoldedText, field: TextField, found: Places
) -> list[Figure]:
    """The figures of one field, in every language whose cue words it has."""
    figures: list[Figure] = []
    cues = found.get(CUE)
    if cues:
        for start, end in cue_windows(folded, cues):
            figures.extend(figures_in(folded.original, field, start, end))
    hits = {
        index: len(spans)
        for index in range(len(gazetteer.lexicons))
        if (spans := found.get(language_cue(index)))
    }
    if not hits:
        return figures
    index = max(hits, key=lambda index: _language_evidence(gazetteer, folded, index, hits))
    lexicon = gazetteer.lexicons[index]
    for start, end in cue_windows(folded, found[language_cue(index)], lexicon.number_start):
        for figure in figures_in_language(
            lexicon, folded.original, field, start, end, taken=tuple(figures)
        ):
            if not any(f.start < figure.end and figure.start < f.end for f in figures):
                figures.append(figure)  # unless it overlaps one of its own language
    return sorted(figures, key=lambda figure: figure.start)


def _language_evidence(
    gazetteer: Gazetteer, folded: FoldedText, index: int, hits: dict[int, int]
) -> tuple[bool, int, int]:
    """How strongly a field is in the language of ``gazetteer.lexicons[index]``: whether it has
    letters only that language uses (Urdu ے, Pashto ښ, Arabic ة), its number of cue words, and
    the lexicon's rank (the first wins a tie)."""
    own = LETTERS.get(gazetteer.lexicons[index].language)
    return (own is not None and not own.isdisjoint(folded.original), hits[index], -index)
