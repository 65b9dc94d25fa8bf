"""Per-host request spacing: the rule, and the wait that applies it to concurrent callers."""

import asyncio

from newswatch.fetching.politeness import HostSpacing, next_start


def test_the_first_request_starts_now() -> None:
    assert next_start(None, 100.0, 5.0) == 100.0


def test_a_request_soon_after_another_waits_for_the_interval() -> None:
    assert next_start(100.0, 101.5, 5.0) == 105.0


def test_a_request_long_after_another_starts_now() -> None:
    assert next_start(100.0, 107.0, 5.0) == 107.0


def test_a_reservation_in_the_future_pushes_the_next_one_further() -> None:
    assert next_start(105.0, 101.0, 5.0) == 110.0


def test_concurrent_callers_for_one_host_line_up_one_interval_apart() -> None:
    async def three_waits() -> tuple[list[float], float]:
        spacing = HostSpacing({"Slow.Test": 0.05})
        loop = asyncio.get_running_loop()
        started = loop.time()
        waits = await asyncio.gather(*(spacing.wait("slow.test") for _ in range(3)))
        return sorted(waits), loop.time() - started

    waits, elapsed = asyncio.run(three_waits())
    assert waits[0] == 0.0
    assert abs(waits[1] - 0.05) < 0.01
    assert abs(waits[2] - 0.10) < 0.01
    assert elapsed >= 0.10


def test_other_hosts_do_not_wait() -> None:
    async def waits() -> list[float]:
        spacing = HostSpacing({"slow.test": 10.0})
        return [await spacing.wait("fast.test"), await spacing.wait("fast.test")]

    assert asyncio.run(waits()) == [0.0, 0.0]
