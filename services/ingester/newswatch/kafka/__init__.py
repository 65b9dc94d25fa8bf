"""Kafka delivery: client settings, the acknowledging producer sink, checkpoints in a
compacted topic, the fleet's shared feed list, topic names."""
