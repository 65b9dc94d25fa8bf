"""Observability: Prometheus metrics, the per-feed collector, the HTTP health port, logs."""
