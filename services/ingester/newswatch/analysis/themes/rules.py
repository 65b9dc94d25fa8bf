"""The themes file: named themes, each a rule of weighted terms in groups, with exclusions.

A theme fires on an item when, after its exclusions have masked the hits they cover, every
required group has a term in the title or summary, every term with a ``near`` constraint has a
term of the named group within so many words, and the weights of the distinct terms found add
up to the threshold (overlapping hits of one group counting once, the strongest). The format is
documented at the top of ``defaults/themes.yaml``.
"""

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from newswatch.analysis.morphology import parse_term
from newswatch.common.config_files import bundled_file, load_yaml_model

ANY_LANGUAGE = "any"
MAX_WORDS_APART = 50
_GROUP_NAME = r"^[a-z][a-z0-9_]*$"

Language = Annotated[str, Field(pattern=r"^(any|[a-z]{2,3})$")]


GroupName = Annotated[str, Field(pattern=_GROUP_NAME)]


class Near(BaseModel):
    """A proximity constraint: a term of ``group`` (or of one of several groups) at most
    ``words`` words away in the same field; with ``across_fields``, a term of the group in the
    other field (title for a summary hit, summary for a title hit) also counts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: GroupName | list[GroupName]
    words: int = Field(ge=0, le=MAX_WORDS_APART)
    across_fields: bool = False

    def groups(self) -> tuple[str, ...]:
        """The group names, as a tuple."""
        return (self.group,) if isinstance(self.group, str) else tuple(self.group)


class Term(BaseModel):
    """A word or phrase with the weight it adds to the score when found.

    A word ending in ``*`` is a stem: it matches any ending (``releas*``: release, released).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1, pattern=r"\w")
    weight: float = Field(1.0, ge=0)
    near: Near | None = None

    @field_validator("term")
    @classmethod
    def _matchable(cls, value: str) -> str:
        parse_term(value)
        return value


def _term_from_shorthand(value: object) -> object:
    """``- taliban`` is shorthand for ``- {term: taliban, weight: 1}``."""
    return {"term": value} if isinstance(value, str) else value


TermEntry = Annotated[Term, BeforeValidator(_term_from_shorthand)]
TermList = Annotated[list[TermEntry], Field(min_length=1)]


def _terms_kind(value: Any) -> str:
    """Tags of the two spellings of ``terms``; capitalised so that error locations skip them."""
    return "ByLanguage" if isinstance(value, dict) else "List"


Terms = Annotated[
    Annotated[TermList, Tag("List")]
    | Annotated[dict[Language, TermList], Field(min_length=1), Tag("ByLanguage")],
    Discriminator(_terms_kind),
]


def terms_by_language(terms: list[Term] | dict[str, list[Term]]) -> dict[str, list[Term]]:
    """Either spelling of ``terms`` as a mapping; a plain list is the ``any`` list."""
    return dict(terms) if isinstance(terms, dict) else {ANY_LANGUAGE: list(terms)}


class TermGroup(BaseModel):
    """Terms of one kind (an actor, an action, a context); ``required`` makes it an AND.

    ``near`` applies to every term of the group that has no ``near`` of its own.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_GROUP_NAME)
    required: bool = False
    near: Near | None = None
    terms: Terms

    def by_language(self) -> dict[str, list[Term]]:
        """The group's terms per language code (``any`` for language-neutral terms)."""
        return terms_by_language(self.terms)


class ExclusionScope(StrEnum):
    """What an exclusion's match takes away."""

    HITS = "hits"
    SUBJECT = "subject"
    ITEM = "item"


def _exclusion_from_shorthand(value: object) -> object:
    """``- pakistani taliban`` is shorthand for a one-term exclusion of scope ``hits``."""
    return {"name": value, "terms": [value]} if isinstance(value, str) else value


class Exclusion(BaseModel):
    """Terms that take away a theme's evidence.

    Scope ``hits`` (the default) masks the theme's hits that lie inside the exclusion's match
    (``pakistani taliban`` masks its ``taliban``), or within ``words`` words of it in the same
    field; the theme fires only if what is left still satisfies the rule. Scope ``subject``
    vetoes the theme when the exclusion occurs in the title (the item is about it) and masks
    like ``hits`` when it occurs in the summary. Scope ``item`` vetoes the theme wherever the
    exclusion occurs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    scope: ExclusionScope = ExclusionScope.HITS
    words: int | None = Field(None, ge=0, le=MAX_WORDS_APART)
    terms: Terms

    @model_validator(mode="after")
    def _words_only_for_hits(self) -> "Exclusion":
        if self.scope is ExclusionScope.ITEM and self.words is not None:
            raise ValueError("'words' has no meaning with scope 'item': the whole item is vetoed")
        return self

    def by_language(self) -> dict[str, list[Term]]:
        """The exclusion's terms per language code."""
        return terms_by_language(self.terms)


ExclusionEntry = Annotated[Exclusion, BeforeValidator(_exclusion_from_shorthand)]


class Theme(BaseModel):
    """One theme and the rule that recognises it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    description: str = ""
    threshold: float = Field(1.0, gt=0)
    groups: list[TermGroup] = Field(min_length=1)
    exclude: list[ExclusionEntry] = Field(default_factory=list)

    def languages(self) -> set[str]:
        """The language codes the theme has term lists for (without ``any``)."""
        codes = {code for group in self.groups for code in group.by_language()}
        codes |= {code for exclusion in self.exclude for code in exclusion.by_language()}
        return codes - {ANY_LANGUAGE}

    @model_validator(mode="after")
    def _consistent(self) -> "Theme":
        names = [group.name for group in self.groups]
        if len(set(names)) != len(names):
            raise ValueError(f"group names repeat in theme {self.name!r}")
        exclusions = [exclusion.name for exclusion in self.exclude]
        if len(set(exclusions)) != len(exclusions):
            raise ValueError(f"exclusion names repeat in theme {self.name!r}")
        for group in self.groups:
            nears = [group.near, *(t.near for ts in group.by_language().values() for t in ts)]
            for near in nears:
                for name in near.groups() if near is not None else ():
                    if name not in names:
                        raise ValueError(
                            f"group {group.name!r}: 'near' names group {name!r}, which theme "
                            f"{self.name!r} does not have (it has: {', '.join(names)})"
                        )
                    if name == group.name:
                        raise ValueError(f"group {group.name!r}: 'near' must name another group")
        self._check_languages()
        return self

    def _check_languages(self) -> None:
        languages = sorted(self.languages()) or [ANY_LANGUAGE]
        best = 0.0
        for language in languages:
            for group in self.groups:
                lists = group.by_language()
                if group.required and not ({language, ANY_LANGUAGE} & lists.keys()):
                    raise ValueError(
                        f"required group {group.name!r} has no terms for language {language!r} "
                        f"(nor 'any'), so the theme could never fire on {language!r} items"
                    )
            reachable = sum(
                term.weight
                for group in self.groups
                for code, terms in group.by_language().items()
                if code in {language, ANY_LANGUAGE}
                for term in terms
            )
            best = max(best, reachable)
        if best < self.threshold:
            raise ValueError(
                f"threshold {self.threshold} can never be reached: all terms together weigh {best}"
            )


class ThemeSet(BaseModel):
    """The whole themes file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    themes: list[Theme] = Field(min_length=1)

    @field_validator("themes")
    @classmethod
    def _unique_names(cls, themes: list[Theme]) -> list[Theme]:
        names = [theme.name for theme in themes]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"theme names repeat: {', '.join(repeated)}")
        return themes


def load_themes(path: Path | None) -> tuple[Path, ThemeSet]:
    """Load and validate the themes file, or the bundled one when ``path`` is None."""
    chosen = path or bundled_file("themes.yaml")
    return chosen, load_yaml_model(chosen, ThemeSet)
