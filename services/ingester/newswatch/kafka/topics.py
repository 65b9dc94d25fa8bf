"""Kafka topic names, all under one configurable prefix."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopicNames:
    """``<prefix>.items``, ``<prefix>.theme.<theme>`` and ``<prefix>.dlq``."""

    prefix: str

    @property
    def items(self) -> str:
        """Every matched item, once."""
        return f"{self.prefix}.items"

    @property
    def dead_letters(self) -> str:
        """Entries that could not be normalised, with the reason."""
        return f"{self.prefix}.dlq"

    @property
    def alerts(self) -> str:
        """Story bursts: a story carried by many sources within a short window."""
        return f"{self.prefix}.alerts"

    @property
    def state(self) -> str:
        """Feed checkpoints (compacted): what each feed has finished with."""
        return f"{self.prefix}.state"

    @property
    def feeds(self) -> str:
        """The fleet's feeds (compacted): replicas share them through group membership."""
        return f"{self.prefix}.feeds"

    def theme(self, theme: str) -> str:
        """The items of one theme."""
        return f"{self.prefix}.theme.{theme}"

    def all_topics(self, themes: list[str]) -> list[str]:
        """Every topic the ingester writes to, for creation at start-up."""
        return [
            self.items,
            self.dead_letters,
            self.alerts,
            self.state,
            self.feeds,
            *(self.theme(name) for name in themes),
        ]

    def compacted(self) -> set[str]:
        """Topics that keep only the latest record per key."""
        return {self.state, self.feeds}
