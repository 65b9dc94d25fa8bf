"""JSON Schema files of the records the service keeps for itself in Kafka:
``python -m newswatch.kafka.internal_schemas [DIR]`` (part of ``make schemas``).

The compacted topics ``<prefix>.state`` (feed checkpoints) and ``<prefix>.feeds`` (the fleet's
feeds) are internal: no one else should write them, but the AsyncAPI document
(``schemas/asyncapi.yaml``) describes them, and these files are what its payloads point to.
They are rendered from the models the service writes, the way the contract's are.
"""

import sys
from pathlib import Path

from pydantic import BaseModel

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.common.feeds import FeedConfig
from newswatch_schemas.export import DEFAULT_DIR, write_schemas

INTERNAL_SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "feed_checkpoint.v1.schema.json": FeedCheckpoint,
    "feed_config.v1.schema.json": FeedConfig,
}

INTERNAL_DIR = DEFAULT_DIR / "internal"


def main(argv: list[str] | None = None) -> int:
    """Write the internal schema files into DIR (default: schemas/json/internal)."""
    args = sys.argv[1:] if argv is None else argv
    write_schemas(INTERNAL_SCHEMA_FILES, Path(args[0]) if args else INTERNAL_DIR)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
