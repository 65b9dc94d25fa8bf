"""docker-compose.yml and the Dockerfile only set settings the ingester knows."""

import re
from pathlib import Path

import yaml

from newswatch.settings import ENV_PREFIX, flat_names

ROOT = Path(__file__).resolve().parents[2]


def known(variable: str) -> bool:
    return variable.removeprefix(ENV_PREFIX).lower() in flat_names()


def test_compose_sets_only_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    ingesters = [
        service
        for service in compose["services"].values()
        if service.get("image") == compose["services"]["ingester"]["image"]
    ]
    assert len(ingesters) == 2, "the ingester and the demo profile's ingester"
    for ingester in ingesters:
        variables = [name for name in ingester["environment"] if name.startswith("NEWSWATCH_")]
        assert variables
        assert [name for name in variables if not known(name)] == []
        assert ingester["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_dockerfile_sets_only_real_settings() -> None:
    text = (ROOT / "services" / "ingester" / "Dockerfile").read_text(encoding="utf-8")
    variables = re.findall(r"\b(NEWSWATCH_[A-Z_]+)=", text)
    assert variables
    assert [name for name in variables if not known(name)] == []
    assert "USER 65534" in text
