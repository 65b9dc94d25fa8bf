"""Kafka sides of the service's interfaces: the event sink and the checkpoint store sharing one
acknowledging producer, the fleet's feed source (the consumer group on the feeds topic); client
settings and topic names."""
