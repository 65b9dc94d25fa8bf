"""Feeds that keep publishing: item n of a feed appears ``n / rate`` seconds after the start.

The server remembers how far each feed has got, so a test can compare what was served with
what reached Kafka. ``freeze()`` stops new items from appearing. Feed n's URL is chosen so that
it lands in partition ``n % FEEDS_TOPIC_PARTITIONS`` of the feeds topic: replicas that share
the feeds then get a share each, whatever port the server was given.
"""

import threading
import time

from kafka.partitioner.default import murmur2

from newswatch_devtools.hostile_server import good_item, rss
from newswatch_devtools.http_server import BackgroundServer, QuietHandler

FEEDS_TOPIC_PARTITIONS = 3
"""The ingester's default ``topic_partitions``, which the fault tests keep."""


class LiveFeeds:
    """``/live/<n>.xml`` for n in range(feeds), each gaining ``rate`` items per second; with a
    ``window``, each document holds only the latest ``window`` items, as most real feeds do
    (an item not fetched before it rotates out is never seen)."""

    def __init__(self, feeds: int, rate: float, window: int | None = None) -> None:
        self.feeds = feeds
        self.rate = rate
        self.window = window
        self._started = time.monotonic()
        self._frozen_at: float | None = None
        self.served = [0] * feeds
        self._lock = threading.Lock()
        live = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                path = self.path.partition("?")[0]
                number = int(path.removeprefix("/live/").removesuffix(".xml"))
                body = live.document(number)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._http = BackgroundServer(Handler)
        self._http.start()

    def count(self) -> int:
        """How many items each feed has now."""
        moment = self._frozen_at if self._frozen_at is not None else time.monotonic()
        return int((moment - self._started) * self.rate)

    def document(self, number: int) -> bytes:
        """The feed's current document, newest item first; records what was served."""
        count = self.count()
        with self._lock:
            self.served[number] = max(self.served[number], count)
        first = 0 if self.window is None else max(0, count - self.window)
        return rss(*(good_item(f"live-{number}-{n}") for n in reversed(range(first, count))))

    def url(self, number: int) -> str:
        """URL of feed ``number``, with a query that puts it in its partition (see above)."""
        base = self._http.url(f"/live/{number}.xml")
        for salt in range(1000):
            url = f"{base}?p={salt}"
            partition = (murmur2(url.encode("utf-8")) & 0x7FFFFFFF) % FEEDS_TOPIC_PARTITIONS
            if partition == number % FEEDS_TOPIC_PARTITIONS:
                return url
        raise LookupError(f"no query puts {base} in its partition")

    def expected_urls(self) -> set[str]:
        """Item URLs of every item that has appeared so far (in a windowed feed too): once the
        feeds are frozen, every one of them must eventually reach Kafka."""
        return {
            f"http://hostile.test/live-{number}-{n}"
            for number in range(self.feeds)
            for n in range(self.count())
        }

    def freeze(self) -> None:
        """No new items from now on."""
        self._frozen_at = time.monotonic()

    def stop(self) -> None:
        """Stop serving."""
        self._http.stop()

    def __enter__(self) -> "LiveFeeds":
        """The feeds, already serving, for a ``with`` block."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop serving at the end of the block."""
        self.stop()
