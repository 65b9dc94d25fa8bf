"""The Grafana dashboards of deploy/grafana, generated with grafana-foundation-sdk.

``python -m newswatch_devtools.grafana`` (``make dashboards``) writes them; ``--check`` fails
when the committed JSON differs from what the generator writes (the tests run the same check).
"""
