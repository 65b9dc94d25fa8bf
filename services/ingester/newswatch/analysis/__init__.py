"""Analysis: pure functions from a raw entry to a news item with themes, facts and a
story; no network, no Kafka. ``match``, ``evaluate`` and the service all run it."""
