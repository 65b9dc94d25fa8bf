"""The ``newswatch feeds`` table: feed health as a person reads it."""

import re
from typing import Any

COLUMNS = (
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
CELL_CHARS = 80
"""Longest cell of the columns other than the error (feed names, times)."""
ERROR_WIDTH = 60
"""Width the error column is wrapped to, at word boundaries, unless the table is wide."""


def render_table(
    feeds: list[dict[str, Any]], *, wide: bool = False, error_width: int = ERROR_WIDTH
) -> str:
    """Feed health as an aligned text table, unhealthy feeds first.

    The error, the last column, is wrapped onto continuation lines at word boundaries, so a
    word is never cut; ``wide`` keeps each error whole on its feed's line instead.
    """
    ordered = sorted(feeds, key=lambda feed: (bool(feed["healthy"]), str(feed["name"])))
    rows = [[title for title, _ in COLUMNS]]
    for feed in ordered:
        cells = [_cell(feed.get(key))[:CELL_CHARS] for _, key in COLUMNS[:-1]]
        error = _cell(feed.get(COLUMNS[-1][1]))
        lines = [error] if wide or not error else _wrap(error, error_width)
        rows.append([*cells, lines[0]])
        rows.extend(["" for _ in cells] + [line] for line in lines[1:])
    widths = [max(len(row[index]) for row in rows) for index in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _cell(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "" if value is None else str(value)


_PIECE = re.compile(r"[^\s/?&]*[/?&]*\s*")
"""A word with the spaces after it; in a URL, a part up to and with its ``/``, ``?`` or ``&``."""


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken between words, and in a URL after a
    ``/``, ``?`` or ``&``; only a piece longer than a whole line is cut inside."""
    lines: list[str] = []
    line = ""
    for piece in filter(None, _PIECE.findall(text)):
        if line and len(line + piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        rest = piece
        while len(rest.rstrip()) > width:
            lines.append(rest[:width])
            rest = rest[width:]
        line += rest
    lines.append(line.rstrip())
    return lines
