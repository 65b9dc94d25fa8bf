"""Grafana provisioning: data sources with fixed uids, the dashboard provider, the dashboard."""

import json
from pathlib import Path
from typing import Any

import yaml

from newswatch_devtools.repo import ROOT
from tests.observability.promql import DASHBOARDS

GRAFANA = ROOT / "deploy" / "grafana"
PROMETHEUS_UID = "newswatch-prometheus"
ALERTMANAGER_UID = "newswatch-alertmanager"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compose_service(name: str) -> dict[str, Any]:
    service: dict[str, Any] = load_yaml(ROOT / "docker-compose.yml")["services"][name]
    return service


def test_data_sources_have_fixed_uids_and_point_at_the_compose_services() -> None:
    provisioning = load_yaml(GRAFANA / "provisioning" / "datasources" / "datasources.yaml")
    assert provisioning["apiVersion"] == 1
    sources = {source["uid"]: source for source in provisioning["datasources"]}
    assert set(sources) == {PROMETHEUS_UID, ALERTMANAGER_UID}

    prometheus = sources[PROMETHEUS_UID]
    assert prometheus["type"] == "prometheus"
    assert prometheus["url"] == "http://prometheus:9090"
    assert prometheus["isDefault"] is True
    assert prometheus["jsonData"]["alertmanagerUid"] == ALERTMANAGER_UID

    alertmanager = sources[ALERTMANAGER_UID]
    assert alertmanager["type"] == "alertmanager"
    assert alertmanager["url"] == "http://alertmanager:9093"
    assert alertmanager["jsonData"] == {
        "implementation": "prometheus",
        "handleGrafanaManagedAlerts": False,
    }
    for source in sources.values():
        assert source["editable"] is False


def test_the_dashboard_provider_reads_the_directory_compose_mounts() -> None:
    provider = load_yaml(GRAFANA / "provisioning" / "dashboards" / "dashboards.yaml")
    assert provider["apiVersion"] == 1
    (only,) = provider["providers"]
    assert only["type"] == "file"
    assert only["allowUiUpdates"] is False
    mounts = compose_service("grafana")["volumes"]
    assert f"./deploy/grafana/dashboards:{only['options']['path']}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


def test_dashboards_are_well_formed_and_use_the_provisioned_data_source() -> None:
    assert [path.name for path in DASHBOARDS] == ["newswatch-overview.json"]
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        assert dashboard["uid"]
        assert dashboard["title"]
        assert dashboard["editable"] is False
        panels = dashboard["panels"]
        ids = [panel["id"] for panel in panels]
        assert len(ids) == len(set(ids)), "panel ids repeat"
        occupied: set[tuple[int, int]] = set()
        for panel in panels:
            grid = panel["gridPos"]
            assert grid["x"] >= 0, panel["title"]
            assert grid["x"] + grid["w"] <= 24, panel["title"]
            cells = {
                (grid["x"] + dx, grid["y"] + dy)
                for dx in range(grid["w"])
                for dy in range(grid["h"])
            }
            assert not cells & occupied, f"{panel['title']} overlaps another panel"
            occupied |= cells
            if panel["type"] == "row":
                continue
            if panel["type"] == "alertlist":
                assert panel["options"]["datasource"] == PROMETHEUS_UID, panel["title"]
                continue
            assert panel["datasource"]["uid"] == PROMETHEUS_UID, panel["title"]
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == PROMETHEUS_UID, panel["title"]
                assert target["expr"].strip(), panel["title"]
