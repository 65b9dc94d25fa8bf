"""Panel builders in the house style of the newswatch dashboards (grafana-foundation-sdk).

Every panel and query refers to the provisioned Prometheus data source by uid; the alert list
refers to it by name, as Grafana's alert-list panel compares names (deploy/grafana/README.md).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.cog.variants import Dataquery
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import DataSourceRef, DataTransformerConfig, GridPos
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from newswatch_devtools.grafana.provisioning import DataSource


@dataclass(frozen=True)
class Query:
    """One PromQL query of a panel and the legend of its series."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Chart:
    """What a panel shows: its title, a description for the (i) tooltip, queries and unit."""

    title: str
    description: str
    queries: tuple[Query, ...]
    unit: str = "short"


@dataclass(frozen=True)
class Size:
    """A panel's width (grid columns) and height (grid rows)."""

    width: int
    height: int


def reference(source: DataSource) -> DataSourceRef:
    """How a panel or a query names the data source: by type and uid."""
    return DataSourceRef(type_val=source.type, uid=source.uid)


def _targets(
    source: DataSource, queries: Sequence[Query], *, instant: bool
) -> list[Builder[Dataquery]]:
    """The queries as Prometheus targets, refIds A, B, C... in order."""
    targets: list[Builder[Dataquery]] = []
    for index, query in enumerate(queries):
        target = (
            prometheus.Dataquery()
            .ref_id(chr(ord("A") + index))
            .datasource(reference(source))
            .expr(query.expr)
            .legend_format(query.legend)
        )
        if instant:
            target = target.instant().format(PromQueryFormat.TABLE)
        targets.append(target)
    return targets


def _place(size: Size) -> GridPos:
    """A grid position of the size; the dashboard builder fills in x and y."""
    return GridPos(w=size.width, h=size.height)


ChartPanel = TypeVar("ChartPanel", timeseries.Panel, stat.Panel, table.Panel)


def _showing(
    panel: ChartPanel, source: DataSource, chart: Chart, size: Size, *, instant: bool = False
) -> ChartPanel:
    """``panel`` with the chart's title, description, queries on ``source``, unit and size."""
    return (
        panel.title(chart.title)
        .description(chart.description)
        .datasource(reference(source))
        .targets(_targets(source, chart.queries, instant=instant))
        .grid_pos(_place(size))
        .unit(chart.unit)
    )


def timeseries_panel(source: DataSource, chart: Chart, size: Size) -> timeseries.Panel:
    """A time series panel, legend below, tooltip listing every series (largest first)."""
    return (
        _showing(timeseries.Panel(), source, chart, size)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(
            common_builders.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.MULTI)
            .sort(common.SortOrder.DESCENDING)
        )
    )


def stat_panel(source: DataSource, chart: Chart, size: Size) -> stat.Panel:
    """A single number: the last value of the chart's query."""
    return (
        _showing(stat.Panel(), source, chart, size)
        .color_mode(common.BigValueColorMode.VALUE)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def table_panel(
    source: DataSource,
    chart: Chart,
    size: Size,
    columns: dict[str, str],
    hidden: Sequence[str] = ("Time",),
) -> table.Panel:
    """A table of instant queries merged on their labels; ``columns`` renames the fields."""
    transformations = [
        DataTransformerConfig(id_val="merge", options={}),
        DataTransformerConfig(
            id_val="organize",
            options={
                "excludeByName": dict.fromkeys(hidden, True),
                "renameByName": columns,
            },
        ),
    ]
    return _showing(table.Panel(), source, chart, size, instant=True).transformations(
        transformations
    )


def alert_list_panel(
    source: DataSource, title: str, description: str, size: Size
) -> dashboard_builders.Panel:
    """Firing and pending alerts of the Prometheus rules that Grafana reads from ``source``.

    The SDK has no alert-list builder (its version for Grafana 11.3), so the options are the
    ones of Grafana's panel (public/app/plugins/panel/alertlist/module.tsx). ``datasource`` is
    the data source's name: the panel keeps rules whose rules-source name equals it.
    """
    return (
        dashboard_builders.Panel()
        .type("alertlist")
        .title(title)
        .description(description)
        .grid_pos(_place(size))
        .options(
            {
                "viewMode": "list",
                "groupMode": "default",
                "groupBy": [],
                "maxItems": 20,
                "sortOrder": 3,  # importance: firing before pending
                "dashboardAlerts": False,
                "alertName": "",
                "alertInstanceLabelFilter": "",
                "datasource": source.name,
                "stateFilter": {
                    "firing": True,
                    "pending": True,
                    "noData": False,
                    "normal": False,
                    "error": True,
                },
            }
        )
    )
