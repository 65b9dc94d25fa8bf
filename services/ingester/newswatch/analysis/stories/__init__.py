"""Stories (near-duplicate items share a ``story_id``: ``index``) and story bursts (a story
carried by many sources at once: ``bursts``)."""

from newswatch.analysis.stories.bursts import BurstConfig, BurstDetector, burst_id
from newswatch.analysis.stories.index import (
    StoryAssignment,
    StoryConfig,
    StoryIndex,
    shingle_hashes,
    story_text,
)

__all__ = [
    "BurstConfig",
    "BurstDetector",
    "StoryAssignment",
    "StoryConfig",
    "StoryIndex",
    "burst_id",
    "shingle_hashes",
    "story_text",
]
