"""Scale of one ingester's fetch loop: N local feeds, first a pass of small 200 answers with
ETags, then the measured pass where every feed answers 304 Not Modified.

    .venv/bin/python benchmarks/fetch_scale.py [--feeds 10000] [--hosts 50]

The feed server runs in its own process on loopback addresses 127.0.1.1..127.0.1.H (one host
per address, so the per-host limit applies as it would on the open web). Reports wall time,
requests per second and the ingester's peak resident memory. A script that reports, not a test.
"""

import argparse
import asyncio
import ipaddress
import multiprocessing
import resource
import sys
import time
from pathlib import Path

from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.common.feeds import FeedConfig
from newswatch.fetching.config import FetchSettings
from newswatch.local.memory import MemoryCheckpoints, MemorySink
from newswatch.observability.logs import configure_logging
from newswatch.observability.metrics import Metrics
from newswatch.service.assembly import Parts, assemble
from newswatch.service.feed_sources import StaticFeeds
from newswatch.settings import Settings

PORT = 18_765
FEED_BODY = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>Taliban fighters attack Afghan army checkpoint</title>"
    b"<link>http://bench.test/%d</link><description>Taliban fighters attacked a checkpoint."
    b"</description></item></channel></rss>"
)


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            etag = f'"{path}"'
            conditional = any(
                line.lower().startswith("if-none-match:") and line.split(":", 1)[1].strip() == etag
                for line in lines[1:]
            )
            if conditional:
                writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n".encode())
            else:
                body = FEED_BODY % int(path.rsplit("/", 1)[1])
                writer.write(
                    f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _run_server(hosts: list[str], ready: "multiprocessing.synchronize.Event") -> None:
    async def main() -> None:
        servers = [await asyncio.start_server(_serve_connection, host, PORT) for host in hosts]
        ready.set()
        await asyncio.gather(*(server.serve_forever() for server in servers))

    asyncio.run(main())


async def run(feed_count: int, hosts: list[str], concurrency: int, per_host: int) -> None:
    feeds = [
        FeedConfig(url=f"http://{hosts[n % len(hosts)]}:{PORT}/feed/{n}", name=f"feed-{n}")
        for n in range(feed_count)
    ]
    sink = MemorySink(keep=False)
    settings = Settings(
        fetch=FetchSettings(
            connect_timeout_seconds=5,
            read_timeout_seconds=10,
            total_timeout_seconds=30,
            max_body_bytes=1024 * 1024,
            max_redirects=3,
            allow_networks=[ipaddress.ip_network("127.0.0.0/8")],
            user_agent="newswatch-bench",
            max_concurrent_fetches=concurrency,
            max_fetches_per_host=per_host,
            max_entries_per_feed=1000,
        ),
        seen_ids_capacity=max(1000, feed_count * 2),
    )
    async with assemble(
        settings,
        Parts(StaticFeeds(feeds), sink, MemoryCheckpoints(keep=False)),
        analyzer=Analyzer(compile_themes(load_themes(None)[1])),
        metrics=Metrics(CollectorRegistry(), "bench"),
    ) as ingester:
        for label in ("first pass (200 + ETag)", "second pass (all 304)"):
            started = time.perf_counter()
            cpu_started = time.process_time()
            reports = await ingester.run_once()
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            outcomes: dict[str, int] = {}
            for report in reports:
                outcomes[report.status] = outcomes.get(report.status, 0) + 1
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{label}: {feed_count} feeds in {wall:.1f} s ({feed_count / wall:.0f} feeds/s), "
                f"ingester CPU {cpu:.1f} s, peak RSS {peak_mib:.0f} MiB, outcomes {outcomes}"
            )
    print(f"items published (first pass): {sink.published}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=2)
    args = parser.parse_args()
    configure_logging("console", "ERROR")
    hosts = [f"127.0.1.{n}" for n in range(1, args.hosts + 1)]
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    server = context.Process(target=_run_server, args=(hosts, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(30):
            raise SystemExit("feed server did not start")
        print(
            f"{args.feeds} feeds on {args.hosts} loopback hosts; concurrency {args.concurrency}, "
            f"{args.per_host} per host; Python {sys.version.split()[0]}"
        )
        asyncio.run(run(args.feeds, hosts, args.concurrency, args.per_host))
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
