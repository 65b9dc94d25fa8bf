#!/usr/bin/env python3
"""Demo feed server: replays the sample RSS feeds in feeds/ so newswatch has news without internet.

Each ``feeds/NAME.xml`` is served at ``/NAME.xml``. A feed starts with its first ``--initial``
items, and one more item is published every ``--interval`` seconds, so the ingester keeps
finding new items and its rates stay above zero. When a feed runs out of sample items it starts
over with new links (``?round=N``), so the replayed items are new items to the ingester.
Publication dates are the moments the items appear. Responses carry an ETag and honour
If-None-Match (304), like a real feed server.

``--burst-after`` seconds after the start, every feed also carries a copy of the breaking story
(``breaking.xml``, one item; each copy has its own link), so the ingester sees one story from
all its sources at once: a story burst, and the StoryBurst alert fires. ``/healthz`` answers
200 for health checks; ``/`` lists the feeds.

Standard library only:  python3 deploy/demo/feed_server.py --port 8080
"""

import argparse
import hashlib
import signal
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SampleItem:
    """One item of a sample feed, as written in the file."""

    title: str
    link: str
    description: str
    category: str


@dataclass(frozen=True)
class SampleFeed:
    """A sample feed: its channel and its items in publication order."""

    title: str
    link: str
    description: str
    language: str
    items: tuple[SampleItem, ...]


def load_feed(path: Path) -> SampleFeed:
    """Read one RSS 2.0 sample file."""
    channel = ET.parse(path).getroot().find("channel")  # noqa: S314 - our own bundled files
    if channel is None:
        raise ValueError(f"{path}: no <channel>")
    items = tuple(
        SampleItem(
            title=item.findtext("title", "").strip(),
            link=item.findtext("link", "").strip(),
            description=" ".join(item.findtext("description", "").split()),
            category=item.findtext("category", "").strip(),
        )
        for item in channel.iter("item")
    )
    if not items:
        raise ValueError(f"{path}: no <item>")
    return SampleFeed(
        title=channel.findtext("title", path.stem),
        link=channel.findtext("link", ""),
        description=channel.findtext("description", ""),
        language=channel.findtext("language", "en"),
        items=items,
    )


@dataclass(frozen=True)
class Burst:
    """The breaking story every feed carries from ``at`` (a time.time() value) on."""

    story: SampleItem
    at: float

    def link(self, feed_name: str) -> str:
        """The link of the copy in ``feed_name``: one story, a distinct item in each feed."""
        return f"{self.story.link}?outlet={feed_name}"


class Replay:
    """Which items of each feed are out at a given moment, and the RSS document for them."""

    def __init__(
        self,
        feeds: dict[str, SampleFeed],
        *,
        initial: int,
        interval_seconds: float,
        window: int,
        started: float,
        burst: Burst | None = None,
    ) -> None:
        self.feeds = feeds
        self.initial = initial
        self.interval_seconds = interval_seconds
        self.window = window
        self.started = started
        self.burst = burst

    def published(self, now: float) -> int:
        """How many items each feed has published by ``now``."""
        elapsed = max(0.0, now - self.started)
        return self.initial + int(elapsed // self.interval_seconds)

    def published_at(self, index: int) -> float:
        """When item number ``index`` (0-based) appeared: the first ones before the start."""
        return self.started + (index - self.initial + 1) * self.interval_seconds

    def items_out(self, name: str, now: float) -> list[tuple[float, SampleItem, str]]:
        """(published at, sample, link) of the newest ``window`` items of feed ``name`` at
        ``now``, newest first: the replayed samples and, once out, the breaking story."""
        feed = self.feeds[name]
        count = self.published(now)
        out: list[tuple[float, SampleItem, str]] = []
        for index in range(count - 1, max(count - self.window, 0) - 1, -1):
            sample = feed.items[index % len(feed.items)]
            replay = index // len(feed.items)
            link = sample.link if replay == 0 else f"{sample.link}?round={replay + 1}"
            out.append((self.published_at(index), sample, link))
        if self.burst is not None and now >= self.burst.at:
            out.append((self.burst.at, self.burst.story, self.burst.link(name)))
        out.sort(key=lambda entry: entry[0], reverse=True)
        return out[: self.window]

    def document(self, name: str, now: float) -> bytes:
        """The feed ``name`` as RSS 2.0, newest item first."""
        feed = self.feeds[name]
        rss = ET.Element("rss", version="2.0")
        channel = ET.SubElement(rss, "channel")
        ET.SubElement(channel, "title").text = feed.title
        ET.SubElement(channel, "link").text = feed.link
        ET.SubElement(channel, "description").text = feed.description
        ET.SubElement(channel, "language").text = feed.language
        for published_at, sample, link in self.items_out(name, now):
            item = ET.SubElement(channel, "item")
            ET.SubElement(item, "title").text = sample.title
            ET.SubElement(item, "link").text = link
            ET.SubElement(item, "guid", isPermaLink="true").text = link
            ET.SubElement(item, "description").text = sample.description
            if sample.category:
                ET.SubElement(item, "category").text = sample.category
            ET.SubElement(item, "pubDate").text = formatdate(published_at, usegmt=True)
        body: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
        return body


def make_handler(replay: Replay, quiet: bool) -> type[BaseHTTPRequestHandler]:
    """The request handler serving ``replay``."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "newswatch-demo-feeds/1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._send(200, b"ok\n", "text/plain; charset=utf-8")
            elif path == "/":
                names = "".join(f"/{name}.xml\n" for name in sorted(replay.feeds))
                self._send(200, names.encode(), "text/plain")
            elif path.endswith(".xml") and path[1:-4] in replay.feeds:
                body = replay.document(path[1:-4], time.time())
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self._send(200, body, "application/rss+xml; charset=utf-8", etag=etag)
            else:
                self._send(404, b"not found\n", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str, etag: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            if not quiet:
                super().log_message(format, *args)

    return Handler


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on")  # noqa: S104
    parser.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    parser.add_argument(
        "--feeds-dir",
        type=Path,
        default=Path(__file__).resolve().parent / "feeds",
        help="directory of the sample *.xml feeds",
    )
    parser.add_argument("--initial", type=int, default=4, help="items out at start, per feed")
    parser.add_argument(
        "--interval", type=float, default=60.0, help="seconds between new items, per feed"
    )
    parser.add_argument("--window", type=int, default=20, help="newest items in each response")
    parser.add_argument(
        "--breaking",
        type=Path,
        default=Path(__file__).resolve().parent / "breaking.xml",
        help="RSS file whose first item is the story every feed carries at once",
    )
    parser.add_argument(
        "--burst-after",
        type=float,
        default=45.0,
        help="seconds after the start when every feed carries the breaking story (<0: never)",
    )
    parser.add_argument("--quiet", action="store_true", help="no line per request on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    feeds = {path.stem: load_feed(path) for path in sorted(args.feeds_dir.glob("*.xml"))}
    if not feeds:
        print(f"no *.xml feeds in {args.feeds_dir}", file=sys.stderr)
        return 2
    started = time.time()
    burst = (
        None
        if args.burst_after < 0
        else Burst(load_feed(args.breaking).items[0], started + args.burst_after)
    )
    replay = Replay(
        feeds,
        initial=args.initial,
        interval_seconds=args.interval,
        window=args.window,
        started=started,
        burst=burst,
    )
    server = ThreadingHTTPServer((args.host, args.port), make_handler(replay, args.quiet))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    when = "never" if burst is None else f"{args.burst_after:g} s after the start"
    print(
        f"serving {', '.join(f'/{name}.xml' for name in feeds)} on http://{host!s}:{port}; "
        f"every feed carries the breaking story {when}",
        file=sys.stderr,
        flush=True,
    )
    signal.signal(signal.SIGTERM, _exit_on_signal)  # as PID 1 in a container, too
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(main())
