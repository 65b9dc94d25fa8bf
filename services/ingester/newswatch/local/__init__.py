"""Local sides of the service's interfaces: the stdout sink, and the in-memory event sink and
checkpoint store for tests and benchmarks."""
