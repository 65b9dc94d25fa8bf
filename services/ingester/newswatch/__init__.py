"""newswatch ingester: news feeds in, theme-tagged CloudEvents out to Kafka.

One package per stage of the pipeline: ``fetching`` → ``analysis`` (in worker processes) →
``kafka``, put together by ``service`` and observed through ``observability``; ``cli`` is the
command (README.md, "Layout").
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newswatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
