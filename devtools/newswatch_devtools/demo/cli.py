"""The command line: ``python -m newswatch_devtools.demo up|down [--dir DIR]`` (``make demo``,
``make demo-down``)."""

import argparse
import sys
from pathlib import Path

from newswatch_devtools.demo.plan import DemoError, DemoPorts, choose_ports
from newswatch_devtools.demo.runner import DemoOptions, clear_leftovers, down, up
from newswatch_devtools.ports import free_port, port_is_free
from newswatch_devtools.repo import ROOT

DEFAULT_DIR = ROOT / ".local" / "demo"


def _build_parser() -> argparse.ArgumentParser:
    """Argument parser for ``up`` and ``down``."""
    parser = argparse.ArgumentParser(
        prog="python -m newswatch_devtools.demo",
        description="The newswatch demo without Docker or internet: a local Kafka, a demo feed "
        "server whose feeds keep publishing, an ingester on them, and Prometheus and "
        "Alertmanager when installed, as processes.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{up,down}")
    start = sub.add_parser(
        "up",
        help="start the demo and run until Ctrl-C or `down`",
        description="Start the demo from a clean state directory, print where to look, and run "
        "until Ctrl-C, `down` or a process of it exits; then stop everything it started.",
    )
    stop = sub.add_parser("down", help="stop a running demo and whatever it left behind")
    for command in (start, stop):
        command.add_argument(
            "--dir",
            type=Path,
            default=DEFAULT_DIR,
            help=f"state directory (default: {DEFAULT_DIR})",
        )
    for name, default in DemoPorts().named().items():
        start.add_argument(
            f"--{name}-port",
            type=int,
            help=f"port on 127.0.0.1 (default: {default}, or a free one if it is taken)",
        )
    start.add_argument(
        "--ready-timeout",
        type=float,
        default=120.0,
        help="seconds each process may take to answer (default: 120)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "down":
            down(args.dir)
            return 0
        clear_leftovers(args.dir)
        requested = {name: getattr(args, f"{name}_port") for name in DemoPorts().named()}
        ports, notes = choose_ports(requested, port_is_free, free_port)
        for note in notes:
            print(f"newswatch demo: {note}", file=sys.stderr)
        return up(DemoOptions(args.dir, ports, args.ready_timeout))
    except DemoError as error:
        print(f"newswatch demo: error: {error}", file=sys.stderr)
        return 1
