"""The AsyncAPI document: valid for the official parser, and true to the topics the service uses."""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from newswatch.kafka.topics import TopicNames
from newswatch_devtools.repo import ROOT

SCHEMAS = ROOT / "schemas"
DOCUMENT = SCHEMAS / "asyncapi.yaml"
VALIDATOR = ROOT / "devtools" / "asyncapi" / "validate.mjs"
PARSER = ROOT / "devtools" / "asyncapi" / "node_modules" / "@asyncapi" / "parser"
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the AsyncAPI parser runs on Node (.ci/run adds it)"
)


def load_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return document


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    """The official parser's verdict on the document at ``path``."""
    assert NODE is not None
    assert PARSER.is_dir(), "the AsyncAPI parser is not installed: run `make setup`"
    return subprocess.run(
        [NODE, str(VALIDATOR), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_node
def test_the_document_is_valid_asyncapi() -> None:
    result = validate(DOCUMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid AsyncAPI 3.0.0, 6 channels" in result.stdout


@needs_node
def test_a_broken_copy_fails_with_its_diagnostics(tmp_path: Path) -> None:
    shutil.copytree(SCHEMAS / "json", tmp_path / "json")
    text = DOCUMENT.read_text(encoding="utf-8")
    broken = tmp_path / "asyncapi.yaml"
    broken.write_text(
        text.replace("action: receive", "action: subscribe").replace(
            "./json/story_burst.v1.schema.json", "./json/missing.schema.json"
        ),
        encoding="utf-8",
    )
    result = validate(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "operations.followItems.action" in result.stdout
    assert "components.messages.storyBurst.payload.$ref" in result.stdout
    assert "INVALID" in result.stdout


def test_every_topic_the_service_creates_is_a_channel() -> None:
    names = TopicNames("{prefix}")
    created = set(names.all_topics(["{theme}"])) | names.compacted()
    addresses = {channel["address"] for channel in load_document()["channels"].values()}
    assert created == addresses


def test_compacted_topics_are_compacted_channels() -> None:
    compacted = TopicNames("{prefix}").compacted()
    for channel in load_document()["channels"].values():
        policy = channel.get("bindings", {}).get("kafka", {}).get("topicConfiguration", {})
        assert (policy.get("cleanup.policy") == ["compact"]) == (channel["address"] in compacted)


def file_refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` in the document that points outside it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                yield value
            else:
                yield from file_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from file_refs(value)


def test_every_payload_ref_is_a_schema_file() -> None:
    document = load_document()
    refs = set(file_refs(document))
    payloads = {
        message["payload"]["$ref"] for message in document["components"]["messages"].values()
    }
    assert payloads <= refs
    assert len(payloads) == 5
    for ref in refs:
        target = (SCHEMAS / ref).resolve()
        assert target.is_file(), f"{ref} does not resolve to a file under schemas/"
        assert target.is_relative_to(SCHEMAS / "json")
