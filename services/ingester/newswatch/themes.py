"""The themes file: named themes, each a weighted keyword rule with required groups.

A theme fires on an item when every required group has a term in the text, no exclusion
is present, and the summed weight of the distinct terms found reaches the threshold.
"""

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from newswatch.config_files import bundled_file, load_yaml_model


class Term(BaseModel):
    """A word or phrase with the weight it adds to the score when found."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1, pattern=r"\w")
    weight: float = Field(1.0, ge=0)


def _term_from_shorthand(value: object) -> object:
    """``- taliban`` is shorthand for ``- {term: taliban, weight: 1}``."""
    return {"term": value} if isinstance(value, str) else value


TermEntry = Annotated[Term, BeforeValidator(_term_from_shorthand)]


class TermGroup(BaseModel):
    """Terms of one kind (an actor, an action, a context); ``required`` makes it an AND."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    required: bool = False
    terms: list[TermEntry] = Field(min_length=1)


class Theme(BaseModel):
    """One theme and the rule that recognises it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    description: str = ""
    threshold: float = Field(1.0, gt=0)
    groups: list[TermGroup] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reachable(self) -> "Theme":
        names = [group.name for group in self.groups]
        if len(set(names)) != len(names):
            raise ValueError(f"group names repeat in theme {self.name!r}")
        best = sum(term.weight for group in self.groups for term in group.terms)
        if best < self.threshold:
            raise ValueError(
                f"threshold {self.threshold} can never be reached: all terms together weigh {best}"
            )
        return self


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
