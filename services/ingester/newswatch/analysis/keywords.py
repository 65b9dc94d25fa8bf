"""Keyword search over folded text: one Aho-Corasick automaton, one pass per field.

The themes (their terms), the gazetteer (its names and the figure cue words) and the language
policy (stop words) are all compiled into ``Keywords`` and scanned with ``Keywords.scan``. A
keyword is a word-initial run of folded words (``fold``): ``"us taliban deal"`` is looked for
as ``" us taliban deal"``, so it only matches from the start of a word. Each keyword carries the
endings the rest of its last word may have (``morphology.word_forms``; None: any, for a stem
``word*``); the scan keeps a place only when the text's ending is one of them. Several keywords
(several ids) may share one key.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, cast

import ahocorasick

Entry = tuple[int, int, frozenset[str] | None]
"""An automaton value item: keyword id, key length (with its leading space), allowed endings."""

Places = dict[int, list[tuple[int, int]]]
"""Per keyword id, the (start, stop) spans where it occurs in the folded text, in text order:
``start`` is the first character of the keyword, ``stop`` the space after its last word."""


class _Automaton(Protocol):
    """The part of ``ahocorasick.Automaton`` used here (the library has no type hints)."""

    def add_word(self, key: str, value: object) -> bool: ...

    def make_automaton(self) -> None: ...

    def iter(self, string: str) -> Iterator[tuple[int, tuple[Entry, ...]]]: ...


class KeywordsBuilder:
    """Collects keywords; ``build`` compiles them into ``Keywords``."""

    def __init__(self) -> None:
        self._keys: dict[str, list[Entry]] = {}

    def add(self, body: str, keyword: int, endings: frozenset[str] | None) -> None:
        """Look for the folded words ``body`` (one space between words) as keyword ``keyword``,
        its last word followed by one of ``endings`` (None: by anything). A ``body`` that ends
        with a space is whole words, for ``Keywords.present`` (not ``scan``): the automaton
        itself then skips the words it only begins."""
        key = f" {body}"
        self._keys.setdefault(key, []).append((keyword, len(key), endings))

    def build(self) -> "Keywords":
        """The automaton of every keyword added (an entry added twice counts once)."""
        if not self._keys:
            return Keywords(None)
        automaton = cast(_Automaton, ahocorasick.Automaton())
        for key, values in self._keys.items():
            automaton.add_word(key, tuple(dict.fromkeys(values)))
        automaton.make_automaton()
        return Keywords(automaton)


@dataclass(frozen=True, slots=True, eq=False)
class Keywords:
    """Compiled keywords; build with ``KeywordsBuilder``."""

    automaton: _Automaton | None
    """None when there are no keywords (the library cannot make an empty automaton)."""

    def scan(self, text: str) -> Places:
        """Where each keyword occurs in the folded ``text`` with an ending it allows."""
        places: Places = {}
        if self.automaton is None:
            return places
        for end, entries in self.automaton.iter(text):
            after = end + 1
            if text[after] == " ":
                stop, ending = after, ""
            else:
                stop = text.index(" ", after)
                ending = text[after:stop]
            for keyword, length, endings in entries:
                if endings is None or ending in endings:
                    spans = places.get(keyword)
                    if spans is None:
                        places[keyword] = [(after - length + 1, stop)]
                    else:
                        spans.append((after - length + 1, stop))
        return places

    def present(self, text: str) -> set[int]:
        """The ids of the whole-word keywords (bodies ending with a space) in folded ``text``:
        which occur, not where."""
        if self.automaton is None:
            return set()
        return {keyword for _, entries in self.automaton.iter(text) for keyword, _, _ in entries}
