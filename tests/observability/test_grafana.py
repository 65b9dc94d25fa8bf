"""Grafana, checked without Grafana (it cannot run here): provisioning, the generated dashboard,
and how the alert-list panel names its data source.

Grafana reads these files; the field names and types it reads are those of its own types at
11.3.0, the image in docker-compose.yml: ``PromOptions`` (@grafana/prometheus 11.3.0,
dist/index.d.ts lines 135-152), ``DataSourceJsonData`` (@grafana/data 11.3.0, dist/index.d.ts
lines 3582-3589; also the SDK's ``common.DataSourceJsonData``) and
``AlertManagerDataSourceJsonData`` (public/app/plugins/datasource/alertmanager/types.ts).
The PromQL of the panels runs on a real Prometheus in test_grafana_queries.py.
"""

import json
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml
from grafana_foundation_sdk.models.common import DataSourceJsonData

from newswatch_devtools.grafana.generate import DASHBOARDS_DIR, stale
from newswatch_devtools.grafana.provisioning import (
    DATASOURCES_FILE,
    ProvisioningError,
    prometheus_source,
    provisioned_sources,
)
from newswatch_devtools.repo import ROOT
from tests.observability.promql import DASHBOARDS

GRAFANA = ROOT / "deploy" / "grafana"
PROMETHEUS_UID = "newswatch-prometheus"
ALERTMANAGER_UID = "newswatch-alertmanager"

# The jsonData fields Grafana 11.3 reads, and their types (the sources are named above).
COMMON_FIELDS: dict[str, type] = {
    "authType": str,
    "defaultRegion": str,
    "profile": str,
    "manageAlerts": bool,
    "alertmanagerUid": str,
    "disableGrafanaCache": bool,
}
PROMETHEUS_FIELDS: dict[str, type] = {
    **COMMON_FIELDS,
    "timeInterval": str,
    "queryTimeout": str,
    "httpMethod": str,
    "customQueryParameters": str,
    "disableMetricsLookup": bool,
    "prometheusType": str,
    "prometheusVersion": str,
    "cacheLevel": str,
    "incrementalQuerying": bool,
    "incrementalQueryOverlapWindow": str,
    "disableRecordingRules": bool,
}
PROMETHEUS_APPLICATIONS = {"Cortex", "Mimir", "Prometheus", "Thanos"}
ALERTMANAGER_FIELDS: dict[str, type] = {
    **COMMON_FIELDS,
    "implementation": str,
    "handleGrafanaManagedAlerts": bool,
}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compose_service(name: str) -> dict[str, Any]:
    service: dict[str, Any] = load_yaml(ROOT / "docker-compose.yml")["services"][name]
    return service


def image_tag(service: str) -> str:
    return str(compose_service(service)["image"]).rpartition(":")[2].removeprefix("v")


def provisioned() -> dict[str, dict[str, Any]]:
    provisioning = load_yaml(DATASOURCES_FILE)
    assert provisioning["apiVersion"] == 1
    return {source["uid"]: source for source in provisioning["datasources"]}


def wrong_fields(json_data: dict[str, Any], fields: dict[str, type]) -> dict[str, str]:
    """jsonData keys Grafana does not read, or of another type than it reads."""
    return {
        key: "not read by Grafana" if key not in fields else f"not {fields[key].__name__}"
        for key, value in json_data.items()
        if key not in fields or not isinstance(value, fields[key])
    }


def test_data_sources_have_fixed_uids_and_point_at_the_compose_services() -> None:
    sources = provisioned()
    assert set(sources) == {PROMETHEUS_UID, ALERTMANAGER_UID}
    prometheus = sources[PROMETHEUS_UID]
    assert prometheus["type"] == "prometheus"
    assert prometheus["url"] == "http://prometheus:9090"
    assert prometheus["isDefault"] is True
    alertmanager = sources[ALERTMANAGER_UID]
    assert alertmanager["type"] == "alertmanager"
    assert alertmanager["url"] == "http://alertmanager:9093"
    for source in sources.values():
        assert source["editable"] is False
        assert source["access"] == "proxy"


def test_prometheus_manages_alerts_with_fields_grafana_reads() -> None:
    json_data = provisioned()[PROMETHEUS_UID]["jsonData"]
    assert wrong_fields(json_data, PROMETHEUS_FIELDS) == {}
    # Grafana lists a Prometheus data source's rules (Alerting, alert-list panel) when
    # manageAlerts is on; the SDK's model of the common fields reads the same keys back.
    common = DataSourceJsonData.from_json(json_data)
    assert common.manage_alerts is True
    assert common.alertmanager_uid == ALERTMANAGER_UID
    assert {"manageAlerts", "alertmanagerUid"} <= set(common.to_json())
    assert json_data["prometheusType"] in PROMETHEUS_APPLICATIONS
    assert json_data["prometheusType"] == "Prometheus"
    assert json_data["prometheusVersion"] == image_tag("prometheus")
    scrape = load_yaml(ROOT / "deploy" / "prometheus" / "prometheus.yml")["global"]
    assert json_data["timeInterval"] == scrape["scrape_interval"]


def test_alertmanager_is_the_prometheus_implementation_for_prometheus_rules_only() -> None:
    json_data = provisioned()[ALERTMANAGER_UID]["jsonData"]
    assert wrong_fields(json_data, ALERTMANAGER_FIELDS) == {}
    assert json_data == {"implementation": "prometheus", "handleGrafanaManagedAlerts": False}


def test_a_misspelt_field_is_reported() -> None:
    """The field check can fail: a key Grafana does not read, and a string where it wants a bool."""
    assert wrong_fields({"manageAlert": True, "manageAlerts": "true"}, PROMETHEUS_FIELDS) == {
        "manageAlert": "not read by Grafana",
        "manageAlerts": "not bool",
    }


def test_the_sdk_is_the_release_for_the_grafana_of_compose() -> None:
    sdk = version("grafana-foundation-sdk").partition("!")[2]
    assert sdk == image_tag("grafana")


def test_the_dashboard_provider_reads_the_directory_compose_mounts() -> None:
    provider = load_yaml(GRAFANA / "provisioning" / "dashboards" / "dashboards.yaml")
    assert provider["apiVersion"] == 1
    (only,) = provider["providers"]
    assert only["type"] == "file"
    assert only["allowUiUpdates"] is False
    mounts = compose_service("grafana")["volumes"]
    assert f"./deploy/grafana/dashboards:{only['options']['path']}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
    home = compose_service("grafana")["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == f"{only['options']['path']}/newswatch-overview.json"


def test_the_committed_dashboards_are_what_the_generator_writes() -> None:
    assert stale() == [], "run `make dashboards` and commit deploy/grafana/dashboards"


def test_a_hand_edited_dashboard_is_caught(tmp_path: Path) -> None:
    for path in DASHBOARDS_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    assert stale(tmp_path) == []
    edited = tmp_path / "newswatch-overview.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Firing", "Fired"), "utf-8")
    (tmp_path / "extra.json").write_text("{}", encoding="utf-8")
    assert stale(tmp_path) == ["extra.json", "newswatch-overview.json"]


def panels_of(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels: list[dict[str, Any]] = dashboard["panels"]
    return panels


def test_dashboards_are_well_formed_and_query_the_provisioned_data_source_by_uid() -> None:
    assert [path.name for path in DASHBOARDS] == ["newswatch-overview.json"]
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        assert dashboard["uid"]
        assert dashboard["title"]
        assert dashboard["editable"] is False
        ids = [panel["id"] for panel in panels_of(dashboard)]
        assert len(ids) == len(set(ids)), "panel ids repeat"
        occupied: set[tuple[int, int]] = set()
        for panel in panels_of(dashboard):
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
            if panel["type"] in {"row", "alertlist"}:
                continue
            assert panel["datasource"]["uid"] == PROMETHEUS_UID, panel["title"]
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == PROMETHEUS_UID, panel["title"]
                assert target["expr"].strip(), panel["title"]
        for variable in dashboard["templating"]["list"]:
            assert variable["datasource"]["uid"] == PROMETHEUS_UID, variable["name"]


def test_the_alert_list_filters_by_the_name_grafana_matches() -> None:
    """Grafana's alert list keeps the rules whose rules-source *name* equals options.datasource
    (UnifiedAlertList.tsx: ``dataSourceName === options.datasource``, where dataSourceName is
    ``getRulesSourceName(rulesSource)``, the data source's name; its editor stores ``ds.name``).
    A uid there would hide every alert."""
    source = prometheus_source()
    assert (source.name, source.uid) == ("Prometheus", PROMETHEUS_UID)
    names = {entry["name"] for entry in provisioned().values()}
    dashboard = json.loads((DASHBOARDS_DIR / "newswatch-overview.json").read_text("utf-8"))
    (alert_list,) = [panel for panel in panels_of(dashboard) if panel["type"] == "alertlist"]
    assert alert_list["options"]["datasource"] == source.name
    assert alert_list["options"]["datasource"] in names
    assert alert_list["options"]["stateFilter"]["firing"] is True


def test_a_provisioning_file_without_a_name_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "datasources.yaml"
    broken.write_text(
        "apiVersion: 1\ndatasources:\n  - {uid: x, type: prometheus}\n", encoding="utf-8"
    )
    with pytest.raises(ProvisioningError, match=r"datasources\[0\]: name, uid and type"):
        provisioned_sources(broken)
