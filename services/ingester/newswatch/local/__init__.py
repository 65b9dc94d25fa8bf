"""Local sides of the service's interfaces: sinks and sources that need no Kafka."""
