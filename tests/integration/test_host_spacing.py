"""Per-host request spacing against a real HTTP server: two feeds on one host with a minimum
interval are requested that far apart, even when both are due at once."""

import asyncio
import ipaddress
import time

from newswatch.fetching.address_policy import AddressPolicy
from newswatch.fetching.config import FetchSettings
from newswatch.fetching.http import Fetcher, Validators
from newswatch_devtools.http_server import BackgroundServer, QuietHandler
from newswatch_devtools.ports import LOOPBACK

INTERVAL = 1.0
# The fetcher spaces the moments it starts requests; the server sees them later by each
# request's own connect-and-send time, which for the first request (a new connection) can
# be over 0.1 s on a loaded machine and for the second (the kept-alive one) is near 0. Two
# requests not spaced at all arrive within milliseconds, so this allowance still tells them apart.
LATENCY_ALLOWANCE = 0.3
STARTS: list[float] = []


class _Recording(QuietHandler):
    """Notes when each request arrives and answers an empty RSS document."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        STARTS.append(time.monotonic())
        body = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_two_feeds_on_one_host_are_requested_the_interval_apart() -> None:
    STARTS.clear()
    server = BackgroundServer(_Recording)
    server.start()
    limits = FetchSettings(host_min_interval_seconds={LOOPBACK: INTERVAL})
    policy = AddressPolicy((ipaddress.ip_network(f"{LOOPBACK}/32"),))

    async def fetch_both() -> list[int]:
        async with Fetcher(limits, policy) as fetcher:
            results = await asyncio.gather(
                fetcher.fetch(server.url("/one.xml"), Validators()),
                fetcher.fetch(server.url("/two.xml"), Validators()),
            )
        return [result.status for result in results]

    try:
        assert asyncio.run(fetch_both()) == [200, 200]
    finally:
        server.stop()
    assert len(STARTS) == 2
    assert STARTS[1] - STARTS[0] >= INTERVAL - LATENCY_ALLOWANCE
