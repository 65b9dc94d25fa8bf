"""The data sources Grafana provisions (deploy/grafana/provisioning/datasources), as the
dashboards refer to them.

Panels and queries refer to a data source by uid. The alert-list panel's ``datasource`` option
is different: Grafana compares it with the *name* of the rules source (see the README of
deploy/grafana for the lines of Grafana's source). Both come from the provisioning file here,
so the dashboards cannot name a data source that Grafana does not provision.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from newswatch_devtools.repo import ROOT

DATASOURCES_FILE = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "datasources.yaml"


class ProvisioningError(ValueError):
    """The provisioning file lacks what the dashboards need; the message names file and field."""


@dataclass(frozen=True)
class DataSource:
    """A provisioned data source: what Grafana resolves a reference to it by."""

    name: str
    uid: str
    type: str


def provisioned_sources(path: Path = DATASOURCES_FILE) -> dict[str, DataSource]:
    """The provisioned data sources by type (one of each type)."""
    loaded: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = loaded.get("datasources") if isinstance(loaded, dict) else None
    if not isinstance(entries, list):
        raise ProvisioningError(f"{path}: no `datasources` list")
    found: dict[str, DataSource] = {}
    for index, entry in enumerate(entries):
        where = f"{path}: datasources[{index}]"
        fields = entry if isinstance(entry, dict) else {}
        name, uid, kind = (fields.get(key) for key in ("name", "uid", "type"))
        if not (isinstance(name, str) and isinstance(uid, str) and isinstance(kind, str)):
            raise ProvisioningError(f"{where}: name, uid and type must all be given as text")
        source = DataSource(name=name, uid=uid, type=kind)
        if source.type in found:
            raise ProvisioningError(f"{where}: a second data source of type {source.type}")
        found[source.type] = source
    return found


def prometheus_source(path: Path = DATASOURCES_FILE) -> DataSource:
    """The provisioned Prometheus data source, which every panel queries."""
    sources = provisioned_sources(path)
    if "prometheus" not in sources:
        raise ProvisioningError(f"{path}: no data source of type prometheus")
    return sources["prometheus"]
