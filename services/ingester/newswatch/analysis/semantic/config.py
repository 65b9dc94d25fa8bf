"""The semantic second opinion's settings (``settings.semantic``), and what they turn on.

``enabled``: ``auto`` (the default) turns the opinion on where the ``newswatch[semantic]``
extra is installed AND the shipped classifier file says it passed its gate (held-out F1 rose
with precision still >= 0.95, written by ``evaluation/train_semantic.py``); ``on`` wherever the
extra is installed (an error at start-up when it is not); ``off`` never.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from newswatch.analysis.semantic.embed import SemanticUnavailableError, semantic_installed

if TYPE_CHECKING:
    from newswatch.analysis.semantic.opinion import SecondOpinion

Enabled = Literal["auto", "on", "off"]
"""Whether the second opinion runs (see the module docstring)."""
ENABLED_CHOICES: tuple[Enabled, ...] = ("auto", "on", "off")


class SemanticSettings(BaseModel):
    """The semantic second opinion: whether it runs, its threshold, its worker's queue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: Enabled = Field(
        "auto",
        description="auto: on when the semantic extra is installed and the shipped classifier "
        "passed its held-out gate; on; off.",
    )
    threshold: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="Classifier probability that adds a theme; unset: the one chosen by "
        "cross-validation on the development set (in the classifier file).",
    )
    classifier_file: Path | None = Field(
        None, description="Classifier file (JSON, evaluation/train_semantic.py); bundled if unset."
    )
    queue_size: int = Field(
        256, ge=1, description="Items waiting for the embedding worker; beyond: rules alone."
    )
    timeout_seconds: float = Field(
        10.0, gt=0, description="How long an item waits for its verdict; then rules alone."
    )
    batch_size: int = Field(64, ge=1, description="Most items embedded in one batch.")


def second_opinion(settings: SemanticSettings) -> "SecondOpinion | None":
    """The second opinion these settings turn on, or None; ``SemanticUnavailableError`` when
    ``enabled: on`` and the extra is not installed, ``ConfigError`` for a bad classifier file."""
    if settings.enabled == "off":
        return None
    if not semantic_installed():
        if settings.enabled == "on":
            raise SemanticUnavailableError(
                "semantic.enabled is on, but the newswatch[semantic] extra is not installed"
            )
        return None
    # Here, not at the top: the classifier needs numpy, which the rules alone never load.
    from newswatch.analysis.semantic.classifier import load_semantic_model  # noqa: PLC0415
    from newswatch.analysis.semantic.opinion import SecondOpinion  # noqa: PLC0415

    model = load_semantic_model(settings.classifier_file)
    if settings.enabled == "auto" and not model.gate_passed:
        return None
    return SecondOpinion(model, settings.threshold or model.threshold)
