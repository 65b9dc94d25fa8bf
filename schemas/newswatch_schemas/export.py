"""Write the JSON Schema files of the contract: ``python -m newswatch_schemas.export [DIR]``."""

import json
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from newswatch_schemas.news_item import NewsItem
from newswatch_schemas.rejected_entry import RejectedEntry
from newswatch_schemas.story_burst import StoryBurst

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "news_item.v1.schema.json": NewsItem,
    "rejected_entry.v1.schema.json": RejectedEntry,
    "story_burst.v1.schema.json": StoryBurst,
}

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "json"


def render_schemas(models: Mapping[str, type[BaseModel]] = SCHEMA_FILES) -> dict[str, str]:
    """Return each schema file's name and its exact text, as checked in (by default the
    contract's; the service renders its internal records' schemas with it too)."""
    rendered = {}
    for name, model in models.items():
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **model.model_json_schema(mode="serialization"),
        }
        rendered[name] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return rendered


def write_schemas(models: Mapping[str, type[BaseModel]], out_dir: Path) -> None:
    """Write the schema file of each model into ``out_dir``, printing each path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in render_schemas(models).items():
        (out_dir / name).write_text(text, encoding="utf-8")
        print(out_dir / name)


def main(argv: list[str] | None = None) -> int:
    """Write every schema file into DIR (default: schemas/json beside this package)."""
    args = sys.argv[1:] if argv is None else argv
    write_schemas(SCHEMA_FILES, Path(args[0]) if args else DEFAULT_DIR)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
