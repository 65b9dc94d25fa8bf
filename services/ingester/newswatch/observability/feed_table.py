"""The ``newswatch feeds`` table: feed health as a person reads it."""

from typing import Any


def render_table(feeds: list[dict[str, Any]]) -> str:
    """Feed health as an aligned text table, unhealthy feeds first."""
    columns = (
        ("FEED", "name"),
        ("OK", "healthy"),
        ("FAILS", "consecutive_failures"),
        ("LAST", "last_outcome"),
        ("HTTP", "last_status"),
        ("ENTRIES", "last_entries"),
        ("NEW", "last_new_items"),
        ("BYTES", "last_bytes"),
        ("SECONDS", "last_duration_seconds"),
        ("INTERVAL", "interval_seconds"),
        ("LAST SUCCESS", "last_success"),
        ("ERROR", "last_error"),
    )
    ordered = sorted(feeds, key=lambda feed: (bool(feed["healthy"]), str(feed["name"])))
    rows = [[title for title, _ in columns]]
    for feed in ordered:
        row = []
        for _, key in columns:
            value = feed.get(key)
            text = (
                "yes"
                if value is True
                else "no"
                if value is False
                else ""
                if value is None
                else str(value)
            )
            row.append(text[:80])
        rows.append(row)
    widths = [max(len(row[index]) for row in rows) for index in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
