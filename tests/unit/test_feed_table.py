"""The ``newswatch feeds`` table: an error wraps between words, never cut inside one."""

from typing import Any

from newswatch.observability.feed_table import render_table

ERROR = (
    "https://www.rferl.org/api/zrqiteuuir: cannot resolve www.rferl.org: "
    "[Errno -2] Name or service not known"
)


def feed(name: str, *, healthy: bool, error: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "healthy": healthy,
        "consecutive_failures": 0 if healthy else 3,
        "last_outcome": "ok" if healthy else "dns_error",
        "last_error": error,
    }


def error_column(table: str) -> list[str]:
    """The error column's text of every line below the header."""
    header, *lines = table.splitlines()
    start = header.index("ERROR")
    return [line[start:] for line in lines]


def breaks(lines: list[str], text: str) -> list[str]:
    """What stands at each line break of ``lines`` in ``text``: a space, or the character the
    line ended with when the break is inside a word. Checks that no character was lost."""
    found = []
    rest = text
    for line in lines:
        assert rest.startswith(line), (line, rest)
        rest = rest[len(line) :]
        if rest:
            found.append(" " if rest[0] == " " else line[-1])
            rest = rest.lstrip(" ")
    assert rest == ""
    return found


def test_a_long_error_wraps_between_words_and_after_url_separators() -> None:
    for width in (30, 40, 60):
        table = render_table([feed("rferl", healthy=False, error=ERROR)], error_width=width)
        pieces = error_column(table)
        assert len(pieces) > 1
        assert all(len(piece) <= width for piece in pieces)
        assert set(breaks(pieces, ERROR)) <= {" ", "/"}, pieces


def test_only_a_piece_longer_than_a_line_is_cut_inside() -> None:
    table = render_table([feed("x", healthy=False, error="a" * 50 + " b")], error_width=20)
    assert error_column(table) == ["a" * 20, "a" * 20, "a" * 10 + " b"]


def test_continuation_lines_leave_the_other_columns_empty() -> None:
    table = render_table([feed("rferl", healthy=False, error=ERROR)], error_width=40)
    _, first, *continued = table.splitlines()
    assert first.startswith("rferl")
    assert continued
    assert all(line.startswith(" ") for line in continued)


def test_wide_keeps_each_error_whole_on_its_feed_line() -> None:
    table = render_table(
        [feed("rferl", healthy=False, error=ERROR), feed("bbc", healthy=True)], wide=True
    )
    header, unhealthy, healthy = table.splitlines()
    assert unhealthy.endswith(ERROR)
    assert healthy.startswith("bbc")
    assert header.startswith("FEED")


def test_unhealthy_feeds_come_first() -> None:
    table = render_table([feed("a-ok", healthy=True), feed("z-down", healthy=False, error="x")])
    assert [line.split()[0] for line in table.splitlines()[1:]] == ["z-down", "a-ok"]
