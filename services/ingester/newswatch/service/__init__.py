"""The service core: its interfaces (ports), the builder (assembly) and run modes, the
supervisor that schedules polls, one poll of one feed and its outcome, one new entry from raw
record to acknowledged item, each feed's state, and the feed sources that need no Kafka."""
