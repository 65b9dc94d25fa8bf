"""newswatch ingester: news feeds in, theme-tagged CloudEvents out to Kafka.

The pipeline, one module per stage: ``fetch`` → ``parse`` → ``normalise`` → ``match`` →
``publish``, driven by ``pipeline`` and observed through ``metrics`` and ``health``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newswatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
