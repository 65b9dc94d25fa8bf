"""Sub-commands of the ``newswatch`` command that need a module of their own (``tail``), and
the flags several sub-commands share; ``cli`` registers and dispatches them."""

import argparse
from pathlib import Path


def add_kafka_flags(parser: argparse.ArgumentParser) -> None:
    """``--config``, ``--bootstrap-servers`` and ``--topic-prefix``: the settings a command that
    talks to Kafka takes as flags (the rest from the environment or the settings file)."""
    parser.add_argument(
        "--config", type=Path, help="settings file (YAML); or NEWSWATCH_CONFIG_FILE"
    )
    parser.add_argument(
        "--bootstrap-servers",
        dest="kafka_bootstrap_servers",
        help="Kafka bootstrap servers, comma-separated",
    )
    parser.add_argument("--topic-prefix", dest="topic_prefix", help="prefix of every topic name")
