"""The command line: ``python -m newswatch_devtools.local_broker start|stop|status --dir DIR``.

``start`` prints only the bootstrap address on stdout, so a shell can capture it (the Makefile's
``run`` and ``kafka-up`` do).
"""

import argparse
import logging
import sys
from pathlib import Path

from newswatch_devtools.local_broker.broker import LocalBroker
from newswatch_devtools.local_broker.errors import BrokerError


def _build_parser() -> argparse.ArgumentParser:
    """Argument parser for the start/stop/status commands."""
    parser = argparse.ArgumentParser(
        prog="python -m newswatch_devtools.local_broker",
        description="Run a local single-node Apache Kafka (KRaft) broker on 127.0.0.1 "
        "as a plain JVM process.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{start,stop,status}")

    start = sub.add_parser(
        "start",
        help="start a broker (idempotent) and print its bootstrap address",
        description="Start the broker of DIR (formatting storage on first use) and print "
        "127.0.0.1:PORT on stdout. If it already runs and answers, just print its address.",
    )
    start.add_argument("--dir", required=True, type=Path, help="work directory (config, data)")
    start.add_argument("--port", type=int, help="client port (default: DIR's, else a free one)")
    start.add_argument("--controller-port", type=int, help="controller port (default: as --port)")
    start.add_argument("--heap", default="512m", help="JVM -Xms/-Xmx (default: 512m)")
    start.add_argument(
        "--timeout", type=float, default=90.0, help="seconds to wait for readiness (default: 90)"
    )

    stop = sub.add_parser(
        "stop",
        help="stop the broker of DIR",
        description="SIGTERM the broker of DIR, then SIGKILL it after --timeout seconds.",
    )
    stop.add_argument("--dir", required=True, type=Path, help="work directory of the broker")
    stop.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before SIGKILL (default: 30)"
    )

    status = sub.add_parser(
        "status",
        help="report whether the broker of DIR runs",
        description="Print the broker's state. Exit 0 if it runs and answers, "
        "1 if it runs but does not answer, 3 if it is not running.",
    )
    status.add_argument("--dir", required=True, type=Path, help="work directory of the broker")
    return parser


def _run(args: argparse.Namespace) -> int:
    """Carry out one parsed command; return the exit code."""
    if args.command == "start":
        broker = LocalBroker(
            args.dir, port=args.port, controller_port=args.controller_port, heap=args.heap
        )
        if broker.is_running():
            print(f"local_broker: already running (pid {broker.pid})", file=sys.stderr)
        print(broker.start(timeout_s=args.timeout))
        return 0
    broker = LocalBroker(args.dir)
    if args.command == "stop":
        if not broker.is_running():
            print(f"local_broker: no broker running from {broker.workdir}", file=sys.stderr)
        broker.stop(timeout_s=args.timeout)
        return 0
    pid = broker.pid
    if pid is None:
        print(f"not running ({broker.workdir})")
        return 3
    if broker.is_ready():
        print(f"running pid={pid} bootstrap={broker.bootstrap_servers}")
        return 0
    print(f"running pid={pid} bootstrap={broker.bootstrap_servers} (not answering)")
    return 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    args = _build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="local_broker: %(message)s",
        stream=sys.stderr,
    )
    try:
        return _run(args)
    except BrokerError as exc:
        print(f"local_broker: error: {exc}", file=sys.stderr)
        return 1
