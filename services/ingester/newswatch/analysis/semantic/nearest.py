"""The nearest labelled examples of an item: why the classifier thinks what it thinks.

The development items' embeddings are kept int8-quantised (one scale for all: the vectors are
L2-normalised, so every component lies in [-1, 1]), with their ids, titles and themes; the
similarity of an item to each is a dot product, rescaled. For the 910 development items on a
theme, of 384 dimensions, the index is 349 kB of vectors (base64 in the classifier file).
"""

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors

INT8_SCALE = 127.0


class ExamplesFile(BaseModel):
    """The nearest-example index as stored: parallel lists, and the vectors in base64."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ids: list[str] = Field(min_length=1)
    titles: list[str]
    themes: list[list[str]]
    dimension: int = Field(gt=0)
    vectors_int8_base64: str


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled development item near an item, and how near (cosine similarity)."""

    id: str
    title: str
    similarity: float


@dataclass(frozen=True, slots=True, eq=False)
class NearestIndex:
    """The development items' quantised embeddings, ids, titles and themes."""

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    themes: tuple[frozenset[str], ...]
    vectors: npt.NDArray[np.int8]

    @classmethod
    def from_file(cls, data: ExamplesFile) -> "NearestIndex":
        """The index of its stored form; ``ValueError`` when the lists disagree in length."""
        raw = np.frombuffer(base64.b64decode(data.vectors_int8_base64), dtype=np.int8)
        count = len(data.ids)
        if raw.size != count * data.dimension or not (
            len(data.titles) == len(data.themes) == count
        ):
            raise ValueError(f"the example index does not hold {count} items of {data.dimension}")
        return cls(
            ids=tuple(data.ids),
            titles=tuple(data.titles),
            themes=tuple(frozenset(themes) for themes in data.themes),
            vectors=raw.reshape(count, data.dimension),
        )

    def nearest(self, embedding: "Vectors", theme: str, count: int = 2) -> list[Example]:
        """The ``count`` development items labelled with ``theme`` most similar to the item."""
        similarities = (self.vectors.astype(np.float32) @ embedding) / INT8_SCALE
        labelled = [index for index, themes in enumerate(self.themes) if theme in themes]
        best = sorted(labelled, key=lambda index: -float(similarities[index]))[:count]
        return [
            Example(self.ids[index], self.titles[index], round(float(similarities[index]), 3))
            for index in best
        ]


def quantise(embeddings: "Vectors") -> str:
    """L2-normalised embeddings as int8, base64: the stored form of ``NearestIndex``."""
    quantised = np.clip(np.rint(embeddings * INT8_SCALE), -127, 127).astype(np.int8)
    return base64.b64encode(quantised.tobytes()).decode("ascii")
