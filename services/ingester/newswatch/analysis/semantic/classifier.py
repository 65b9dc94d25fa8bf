"""The shipped classifiers of the semantic second opinion, and their file.

One logistic regression per theme over the item's embedding: ``probability = 1 / (1 +
exp(-(w · x + b)))``, numpy only (``evaluation/train_semantic.py`` fits and exports them with
scikit-learn, which the service does not need). The file,
``defaults/semantic/classifier.json``, also holds the decision threshold and anchor
(``combine.Anchor``) chosen by cross-validation on the development split, the gate result
(whether the opinion raised held-out F1 with precision still >= 0.95: ``enabled: auto`` turns
the opinion on only then), and the nearest-example index (``nearest.NearestIndex``).
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from newswatch.analysis.semantic.combine import Anchor
from newswatch.analysis.semantic.embed import EMBEDDING_MODEL
from newswatch.analysis.semantic.nearest import ExamplesFile, NearestIndex
from newswatch.common.errors import ConfigError

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors

BUNDLED_CLASSIFIER = (
    Path(__file__).resolve().parents[2] / "defaults" / "semantic" / "classifier.json"
)


class ThemeWeightsFile(BaseModel):
    """One theme's logistic regression: a weight per embedding dimension, and the bias."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: list[float] = Field(min_length=1)
    bias: float


class GateFile(BaseModel):
    """Whether the second opinion earned being on by default, measured on a held-out set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    passed: bool
    measured_on: str = Field(description="The held-out file the figures come from.")
    rules_f1: float
    combined_f1: float
    combined_min_precision: float


class ClassifierFile(BaseModel):
    """The classifier file as written by ``evaluation/train_semantic.py``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    trained_on: str
    threshold: float = Field(gt=0, lt=1)
    anchor: Anchor
    themes: dict[str, ThemeWeightsFile]
    gate: GateFile | None = None
    examples: ExamplesFile


@dataclass(frozen=True, slots=True, eq=False)
class SemanticModel:
    """The per-theme classifiers as one matrix, the default threshold, the gate, the index."""

    theme_names: tuple[str, ...]
    weights: npt.NDArray[np.float32]
    """One row per theme, one column per embedding dimension."""
    biases: npt.NDArray[np.float32]
    threshold: float
    anchor: Anchor
    gate_passed: bool
    examples: NearestIndex

    def probabilities(self, embeddings: "Vectors") -> npt.NDArray[np.float64]:
        """Each item's probability of each theme: one row per item, one column per theme."""
        logits = embeddings.astype(np.float64) @ self.weights.T.astype(np.float64) + self.biases
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logits))
        return result


def model_from_file(data: ClassifierFile) -> SemanticModel:
    """The runnable model of a validated classifier file."""
    names = tuple(data.themes)
    weights = np.array([data.themes[name].weights for name in names], dtype=np.float32)
    biases = np.array([data.themes[name].bias for name in names], dtype=np.float32)
    return SemanticModel(
        theme_names=names,
        weights=weights,
        biases=biases,
        threshold=data.threshold,
        anchor=data.anchor,
        gate_passed=data.gate is not None and data.gate.passed,
        examples=NearestIndex.from_file(data.examples),
    )


def load_semantic_model(path: Path | None = None) -> SemanticModel:
    """Read a classifier file (the bundled one by default); ``ConfigError`` names the file and
    the field when it is unreadable, or trained on another embedding model."""
    where = path or BUNDLED_CLASSIFIER
    try:
        raw: Any = json.loads(where.read_text(encoding="utf-8"))
        data = ClassifierFile.model_validate(raw)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the semantic classifier: {error}", path=where) from error
    except json.JSONDecodeError as error:
        raise ConfigError(f"not JSON: {error.msg}", path=where, line=error.lineno) from error
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "file"
        raise ConfigError(first["msg"], path=where, field=field) from error
    if data.model != EMBEDDING_MODEL:
        raise ConfigError(
            f"trained on {data.model!r}, but the embeddings come from {EMBEDDING_MODEL!r}: "
            "retrain with evaluation/train_semantic.py",
            path=where,
            field="model",
        )
    return model_from_file(data)
