"""The newswatch overview dashboard: alerts, themes, stories, feeds, Kafka.

Themes are a repeat over the template variable ``theme``, not one panel per theme written from
the bundled themes file: the variable reads the theme label of ``newswatch_items_matched_total``,
and the ingester creates that series at zero for every theme it loads (``Metrics.preinitialise``),
so a deployment with its own themes file gets one panel per theme it runs, without regenerating
the dashboard. With the bundled file that is one panel per theme of
services/ingester/newswatch/defaults/themes.yaml (tests/observability/test_grafana.py shows it
on a real Prometheus).
"""

from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.models import dashboard

from newswatch_devtools.grafana.panels import (
    Chart,
    Query,
    Size,
    alert_list_panel,
    reference,
    stat_panel,
    table_panel,
    timeseries_panel,
)
from newswatch_devtools.grafana.provisioning import DataSource

UID = "newswatch-overview"
THEME_VARIABLE = "theme"
THEME_VALUES = "label_values(newswatch_items_matched_total, theme)"

STAT = Size(4, 4)
THIRD = Size(8, 8)
HALF = Size(12, 8)
RATE = "[$__rate_interval]"
PER_HOUR = f"{RATE})) * 3600"

OVERVIEW = (
    Chart(
        "Ingesters up",
        "Ingesters Prometheus scrapes (IngesterDown fires when one is down).",
        (Query('sum(up{job="newswatch"})'),),
    ),
    Chart(
        "Feeds configured",
        "Feeds in the loaded feeds file.",
        (Query("max(newswatch_feeds_configured)"),),
    ),
    Chart(
        "Feeds fetched in the last hour",
        "Feeds whose last successful poll (ok or not modified) is less than an hour old.",
        (
            Query(
                "count(time() - newswatch_feed_last_success_timestamp_seconds < 3600) or vector(0)"
            ),
        ),
    ),
    Chart(
        "Items matched, last 24 h",
        "New items that matched a theme.",
        (Query("sum(increase(newswatch_items_matched_total[24h]))"),),
    ),
    Chart(
        "Kafka records in flight",
        "Records sent and not yet acknowledged.",
        (Query("sum(newswatch_kafka_unacked_records)"),),
    ),
    Chart(
        "Kafka error share, 10 min",
        "Share of records Kafka did not acknowledge (KafkaPublishFailing fires above 5%).",
        (Query("max(instance:newswatch_events_published_errors:ratio_rate10m)"),),
        "percentunit",
    ),
)

SURGE = Chart(
    "Theme surge ratio: last 6 h vs the 7-day average",
    "New stories of a theme in the last 6 hours divided by its average 6-hour count of the 7 days "
    "before (recording rules in deploy/prometheus/rules); ThemeSurge fires from the threshold. "
    "Empty until 7 days of data exist.",
    (
        Query("theme:newswatch_stories:surge_ratio", "{{theme}}"),
        Query("newswatch:theme_surge_ratio:threshold", "ThemeSurge threshold"),
    ),
)

_ONE_THEME = f'{{theme="${THEME_VARIABLE}"}}'
THEME = Chart(
    f"Theme ${THEME_VARIABLE}: matched items and new stories (per hour)",
    "One panel per theme the ingester runs (a repeat over the variable theme).",
    (
        Query(f"sum(rate(newswatch_items_matched_total{_ONE_THEME}{PER_HOUR}", "items matched"),
        Query(f"sum(rate(newswatch_stories_total{_ONE_THEME}{PER_HOUR}", "new stories"),
    ),
)

STORIES = (
    Chart(
        "Items matched per theme (per hour)",
        "All themes in one panel.",
        (Query(f"sum by (theme) (rate(newswatch_items_matched_total{PER_HOUR}", "{{theme}}"),),
    ),
    Chart(
        "New stories and distinct sources per theme (per hour)",
        "A story is a group of near-duplicate items; a source joins it with its first item.",
        (
            Query(f"sum by (theme) (rate(newswatch_stories_total{PER_HOUR}", "stories {{theme}}"),
            Query(
                f"sum by (theme) (rate(newswatch_story_sources_total{PER_HOUR}", "sources {{theme}}"
            ),
        ),
    ),
    Chart(
        "Story bursts per theme (in the hour before)",
        "Bursts published to the alerts topic (StoryBurst fires on each).",
        (Query("sum by (theme) (increase(newswatch_story_bursts_total[1h]))", "{{theme}}"),),
    ),
)

FEEDS = (
    Chart(
        "Feeds by last poll",
        "Feeds whose last poll succeeded (newswatch_feed_consecutive_failures 0) or failed.",
        (
            Query(
                "count(newswatch_feed_consecutive_failures == 0) or vector(0)",
                "last poll succeeded",
            ),
            Query(
                "count(newswatch_feed_consecutive_failures > 0) or vector(0)", "last poll failed"
            ),
        ),
    ),
    Chart(
        "Feed polls by outcome (per minute)",
        "Polls of all feeds by outcome: ok, not_modified, or the kind of failure.",
        (
            Query(
                f"sum by (outcome) (rate(newswatch_feed_fetches_total{RATE})) * 60", "{{outcome}}"
            ),
        ),
    ),
    Chart(
        "Time since the last successful poll",
        "Staleness per feed (FeedDown fires after failed polls and no success for an hour).",
        (Query("time() - newswatch_feed_last_success_timestamp_seconds", "{{feed}}"),),
        "s",
    ),
    Chart(
        "Failures in a row",
        "Feeds whose last polls failed (the interval doubles per failure).",
        (Query("max by (feed) (newswatch_feed_consecutive_failures) > 0", "{{feed}}"),),
    ),
    Chart(
        "Successful polls per feed (30 min)",
        "Recording rule feed:newswatch_feed_fetches_success:ratio_rate30m.",
        (Query("feed:newswatch_feed_fetches_success:ratio_rate30m", "{{feed}}"),),
        "percentunit",
    ),
    Chart(
        "Fetch time of all feeds",
        "Quantiles of the fleet-wide newswatch_feed_fetch_duration_seconds, for fetches that "
        "succeeded and fetches that failed (a timeout takes the whole timeout).",
        tuple(
            Query(
                f"histogram_quantile({quantile}, sum by (result, le) "
                f"(rate(newswatch_feed_fetch_duration_seconds_bucket{RATE})))",
                f"p{round(float(quantile) * 100)} {{{{result}}}}",
            )
            for quantile in ("0.5", "0.95")
        ),
        "s",
    ),
)

ENTRIES = (
    Chart(
        "Entries read per feed (per hour)",
        "Entries read from each feed.",
        (Query(f"sum by (feed) (rate(newswatch_items_fetched_total{PER_HOUR}", "{{feed}}"),),
    ),
    Chart(
        "Entries dropped by reason (per hour)",
        "Entries not published as items: duplicates, no theme, or rejected.",
        (Query(f"sum by (reason) (rate(newswatch_items_dropped_total{PER_HOUR}", "{{reason}}"),),
    ),
)

FEED_HEALTH_COLUMNS = (
    ("max by (feed) (newswatch_feed_consecutive_failures == bool 0)", "up"),
    ("max by (feed) (newswatch_feed_consecutive_failures)", "failures in a row"),
    ("max by (feed) (newswatch_feed_http_status)", "last HTTP status"),
    ("max by (feed) (newswatch_feed_poll_interval_seconds)", "poll interval (s)"),
    (
        "time() - max by (feed) (newswatch_feed_last_success_timestamp_seconds)",
        "since last success (s)",
    ),
)
FEED_HEALTH = Chart(
    "Feed health",
    "One row per feed: up, failures in a row, last HTTP status, current interval and the time "
    "since its last success.",
    tuple(Query(expr) for expr, _ in FEED_HEALTH_COLUMNS),
)


def _quantiles(histogram: str, quantiles: tuple[str, ...]) -> tuple[Query, ...]:
    """One query per quantile of a histogram over all series, legend pNN."""
    return tuple(
        Query(
            f"histogram_quantile({quantile}, sum by (le) (rate({histogram}_bucket{RATE})))",
            f"p{round(float(quantile) * 100)}",
        )
        for quantile in quantiles
    )


KAFKA = (
    Chart(
        "Records published by outcome (per minute)",
        "Acknowledged (ok) or rejected (error).",
        (
            Query(
                f"sum by (outcome) (rate(newswatch_events_published_total{RATE})) * 60",
                "{{outcome}}",
            ),
        ),
    ),
    Chart(
        "Publish latency (send to acknowledgement)",
        "Quantiles of newswatch_publish_latency_seconds.",
        _quantiles("newswatch_publish_latency_seconds", ("0.5", "0.95", "0.99")),
        "s",
    ),
    Chart(
        "Publish errors per topic (per minute)",
        "Records Kafka did not acknowledge.",
        (
            Query(
                f'sum by (topic) (rate(newswatch_events_published_total{{outcome="error"}}{RATE}))'
                " * 60",
                "{{topic}}",
            ),
        ),
    ),
    Chart(
        "Publish error share (10 min)",
        "KafkaPublishFailing fires above 5%.",
        (Query("instance:newswatch_events_published_errors:ratio_rate10m", "{{instance}}"),),
        "percentunit",
    ),
    Chart(
        "Records in flight and producers replaced",
        "Records waiting for an acknowledgement; producers replaced because they stopped "
        "acknowledging (in the hour before).",
        (
            Query("sum(newswatch_kafka_unacked_records)", "records in flight"),
            Query(
                "sum(increase(newswatch_kafka_producer_replacements_total[1h]))",
                "producers replaced",
            ),
        ),
    ),
    Chart(
        "Pipeline delay (publication in the feed to acknowledgement)",
        "Quantiles of newswatch_pipeline_delay_seconds.",
        _quantiles("newswatch_pipeline_delay_seconds", ("0.5", "0.95")),
        "s",
    ),
)

BUILDS = Chart(
    "Running builds",
    "Version of each ingester Prometheus scrapes.",
    (Query("newswatch_build_info"),),
)


def theme_variable(source: DataSource) -> dashboard_builders.QueryVariable:
    """The themes the ingesters report, all selected: the theme panels repeat over it."""
    return (
        dashboard_builders.QueryVariable(THEME_VARIABLE)
        .label("Theme")
        .datasource(reference(source))
        .query(THEME_VALUES)
        .refresh(dashboard.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(dashboard.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .current(dashboard.VariableOption(selected=True, text="All", value="$__all"))
    )


def _add_panels(board: dashboard_builders.Dashboard, source: DataSource) -> None:
    """The rows and their panels, top to bottom; the builder places them left to right."""
    board.with_row(dashboard_builders.Row("Overview"))
    for chart in OVERVIEW:
        board.with_panel(stat_panel(source, chart, STAT))
    board.with_row(dashboard_builders.Row("Alerts and surges"))
    board.with_panel(
        alert_list_panel(
            source,
            "Firing alerts",
            "Firing and pending alerts of the Prometheus rules (deploy/prometheus/rules), read "
            "by Grafana from the Prometheus data source.",
            Size(8, 9),
        )
    )
    board.with_panel(timeseries_panel(source, SURGE, Size(16, 9)))
    board.with_row(dashboard_builders.Row("Themes"))
    board.with_panel(
        timeseries_panel(source, THEME, Size(8, 7))
        .repeat(THEME_VARIABLE)
        .repeat_direction("h")
        .max_per_row(3)
    )
    board.with_row(dashboard_builders.Row("Stories and bursts"))
    for chart in STORIES:
        board.with_panel(timeseries_panel(source, chart, THIRD))
    board.with_row(dashboard_builders.Row("Feeds"))
    for chart in FEEDS:
        board.with_panel(timeseries_panel(source, chart, THIRD))
    for chart in ENTRIES:
        board.with_panel(timeseries_panel(source, chart, HALF))
    columns = {
        f"Value #{chr(ord('A') + n)}": name for n, (_, name) in enumerate(FEED_HEALTH_COLUMNS)
    }
    board.with_panel(table_panel(source, FEED_HEALTH, Size(24, 10), columns))
    board.with_row(dashboard_builders.Row("Kafka"))
    for chart in KAFKA:
        board.with_panel(timeseries_panel(source, chart, THIRD))
    board.with_row(dashboard_builders.Row("Builds"))
    board.with_panel(
        table_panel(source, BUILDS, Size(24, 5), {}, hidden=("Time", "Value", "__name__"))
    )


def overview(source: DataSource) -> dashboard.Dashboard:
    """The overview dashboard, every query on ``source``; panel ids numbered in order."""
    board = (
        dashboard_builders.Dashboard("newswatch overview")
        .uid(UID)
        .description(
            "Alerts, themes, stories, feeds and Kafka publishing of the newswatch ingester. "
            "Generated by newswatch_devtools.grafana (make dashboards); alert rules: "
            "deploy/prometheus/rules/newswatch.rules.yml."
        )
        .tags(["newswatch"])
        .timezone("utc")
        .readonly()
        .tooltip(dashboard.DashboardCursorSync.CROSSHAIR)
        .refresh("30s")
        .time("now-6h", "now")
        .with_variable(theme_variable(source))
    )
    _add_panels(board, source)
    built = board.build()
    for number, panel in enumerate(built.panels or [], start=1):
        panel.id_val = number
    return built
