"""Actors and places: the gazetteer's names found in a folded field, and what they name.

- a name marked ``acronym`` counts only when written without lower-case letters ("US", not
  "us"); a name with ``followed_by`` only before one of those words ("Kabul said" is the
  Afghan government, and then not a place);
- overlapping names: the longest wins ("Abdul Ghani Baradar" is not Ashraf Ghani, "Pakistani
  Taliban" is not the Taliban); an ``ignore`` name wins and gives nothing ("Gorno-Badakhshan");
- a name that is both a province and a city (Kabul, Kunduz, Herat…) is the province when a
  province marker stands next to it ("Kunduz province", "ولایت کندز", "провинции Кундуз"),
  otherwise the city. Either way ``iso_3166_2`` is the province's code.
"""

from collections.abc import Iterator
from typing import NamedTuple

from newswatch.analysis.facts.gazetteer import ACTOR, IGNORE, PLACE, Gazetteer
from newswatch.analysis.keywords import Places
from newswatch.analysis.text import FoldedText
from newswatch_schemas import Actor, Mention, Place, PlaceKind, TextField


class _Hit(NamedTuple):
    """A name found in one field: its span in the folded text and its name id."""

    start: int
    stop: int
    name: int


class Mentions(NamedTuple):
    """The mentions of each actor and each place (by index in the gazetteer), in order."""

    actors: dict[int, list[Mention]]
    places: dict[int, list[Mention]]


def add_mentions(
    gazetteer: Gazetteer, folded: FoldedText, field: TextField, found: Places, into: Mentions
) -> None:
    """Add to ``into`` the actors and places named in one field, whose keyword places (names
    and cues alike) are ``found``: every name that counts (followed by a required word,
    written as an acronym), resolved where names overlap."""
    text, original = folded.text, folded.original
    names = gazetteer.names
    hits: list[_Hit] = []
    for name_id, spans in found.items():
        if name_id < 0:
            continue  # a figure cue
        name = names[name_id]
        for start, stop in spans:
            if name.followed_by is not None:
                following = text[stop + 1 : text.find(" ", stop + 1)]
                if following not in name.followed_by:
                    continue
            if name.acronym:
                begin, finish = folded.span(start, stop)
                if any(char.islower() for char in original[begin:finish]):
                    continue
            hits.append(_Hit(start, stop, name_id))
    if not hits:
        return
    for hit in _resolve(gazetteer, text, hits):
        name = names[hit.name]
        start, end = folded.span(hit.start, hit.stop)
        mention = Mention(field=field, start=start, end=end, text=original[start:end])
        mentions = into.actors if name.target == ACTOR else into.places
        mentions.setdefault(name.index, []).append(mention)


def _resolve(gazetteer: Gazetteer, text: str, hits: list[_Hit]) -> Iterator[_Hit]:
    """The hits that stand, one per target named at each place.

    The longest of overlapping hits wins; hits of the same span are decided together.
    """
    hits.sort(key=lambda hit: (hit.start, -hit.stop, hit.name))
    last_stop = -1
    group: list[_Hit] = []
    for hit in hits:
        if group and hit.start == group[0].start and hit.stop == group[0].stop:
            group.append(hit)
        elif hit.start >= last_stop:
            yield from _decide(gazetteer, text, group)
            group = [hit]
            last_stop = hit.stop
    yield from _decide(gazetteer, text, group)


def _decide(gazetteer: Gazetteer, text: str, group: list[_Hit]) -> Iterator[_Hit]:
    """What one span names: nothing if ignored, a conditional actor over a place, and the
    province or the city for a name that is both."""
    if not group:
        return
    names = gazetteer.names
    if len(group) == 1:  # most spans: nothing to decide between
        if names[group[0].name].target != IGNORE:
            yield group[0]
        return
    kinds = [names[hit.name] for hit in group]
    if any(name.target == IGNORE for name in kinds):
        return
    if any(name.followed_by is not None for name in kinds):
        group = [hit for hit in group if names[hit.name].followed_by is not None]
    elif len({gazetteer.places[n.index].kind for n in kinds if n.target == PLACE}) > 1:
        chosen = _marked_kind(gazetteer, text, group[0]) or PlaceKind.CITY
        group = [
            hit
            for hit in group
            if names[hit.name].target != PLACE
            or gazetteer.places[names[hit.name].index].kind is chosen
        ]
    seen: set[tuple[int, int]] = set()
    for hit in group:
        name = names[hit.name]
        if (name.target, name.index) not in seen:
            seen.add((name.target, name.index))
            yield hit


def _marked_kind(gazetteer: Gazetteer, text: str, hit: _Hit) -> PlaceKind | None:
    """The place kind the longest marker next to ``hit`` names, if any."""
    best: tuple[int, PlaceKind | None] = (0, None)
    for kind, before, after in gazetteer.markers:
        for phrase in before:
            if len(phrase) > best[0] and text.endswith(phrase, 0, hit.start - 1):
                best = (len(phrase), kind)
        for phrase in after:
            if len(phrase) > best[0] and text.startswith(phrase, hit.stop):
                best = (len(phrase), kind)
    return best[1]


def actors_and_places(gazetteer: Gazetteer, mentions: Mentions) -> tuple[list[Actor], list[Place]]:
    """The ``Actor`` and ``Place`` records of the mentions, in order of first mention."""
    actors = []
    for index, found in mentions.actors.items():
        spec = gazetteer.actors[index]
        actors.append(
            Actor(
                id=spec.id,
                name=spec.name,
                kind=spec.kind,
                affiliation=spec.affiliation,
                mentions=found,
            )
        )
    places = []
    for index, found in mentions.places.items():
        info = gazetteer.places[index]
        places.append(
            Place(
                id=info.id,
                name=info.name,
                kind=info.kind,
                iso_3166_2=info.iso_3166_2,
                mentions=found,
            )
        )
    return actors, places
