"""The analysis package's own configuration: text lengths kept, and story grouping.

The service composes both into its settings (``settings.text``, ``settings.stories``).
``StorySettings`` holds only what an operator tunes; the algorithms' finer knobs stay in
``StoryConfig`` and ``BurstConfig``, which it builds.
"""

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from newswatch.analysis.stories import BurstConfig, StoryConfig


class TextSettings(BaseModel):
    """Longest title and summary kept, in characters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_title_chars: int = Field(1000, ge=10)
    max_summary_chars: int = Field(20_000, ge=10)


class StorySettings(BaseModel):
    """How long items stay in the story index, and when a story counts as a burst."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_hours: float = Field(
        72.0, gt=0, description="How long items stay in the story index (item time)."
    )
    burst_sources: int = Field(
        3, ge=2, description="Distinct sources that make a story burst within the window."
    )
    burst_window_minutes: float = Field(60.0, gt=0)

    def story_config(self) -> StoryConfig:
        """The story index's configuration: these settings over its defaults."""
        return StoryConfig(horizon=timedelta(hours=self.horizon_hours))

    def burst_config(self) -> BurstConfig:
        """The burst detector's configuration: these settings over its defaults."""
        return BurstConfig(
            min_sources=self.burst_sources, window=timedelta(minutes=self.burst_window_minutes)
        )
