"""``newswatch tail``: follow the items topics and print each item as it arrives.

Exit codes: 0 after ``--max`` items, when ``--timeout`` passed without an item, or when the
output was closed; 1 when Kafka cannot be reached (one line naming the address); 2 for bad
arguments or settings; 3 when a topic to follow does not exist; 130 on Ctrl-C.
"""

import argparse
import sys
import time
from typing import Any, TextIO

from newswatch.commands import add_kafka_flags
from newswatch.commands.tail_view import (
    SeenKeys,
    UnreadableRecordError,
    format_cloudevent,
    format_item,
    parse_duration,
    passes_min_score,
    read_item,
)
from newswatch.common.errors import ConfigError, KafkaUnreachableError, TopicMissingError
from newswatch.kafka.tail import StartAt, TopicTail, quiet_kafka_logs
from newswatch.kafka.topics import TopicNames
from newswatch.settings import load_settings

EXIT_DONE = 0
EXIT_UNREACHABLE = 1
EXIT_USAGE = 2
EXIT_NO_TOPIC = 3
EXIT_INTERRUPTED = 130
CONNECT_TIMEOUT_SECONDS = 5.0
"""How long the tail waits for a broker to answer before it says Kafka cannot be reached."""


def add_tail_parser(commands: Any) -> None:
    """Register ``tail`` on the ``newswatch`` sub-command parsers."""
    tail = commands.add_parser(
        "tail",
        help="follow the items topic (or theme topics) and print each item",
        description="Follow <prefix>.items, or <prefix>.theme.<theme> for each --theme, and "
        "print each item as it arrives. Kafka settings as for `run`: flags, NEWSWATCH_* "
        "environment variables (security included), the settings file. Exit 0 after --max "
        "items or --timeout seconds without one; 1 when Kafka cannot be reached; 2 for bad "
        "arguments; 3 when a topic does not exist; 130 on Ctrl-C.",
    )
    tail.add_argument(
        "--theme",
        action="append",
        default=[],
        dest="themes",
        metavar="THEME",
        help="follow this theme's topic instead of the items topic (repeatable)",
    )
    tail.add_argument(
        "--min-score",
        type=float,
        help="only items with a theme (of --theme, if given) scoring at least this",
    )
    start = tail.add_mutually_exclusive_group()
    start.add_argument(
        "--from-beginning",
        action="store_true",
        help="start at the oldest record kept (default: only new items)",
    )
    start.add_argument(
        "--since",
        metavar="DURATION",
        help="start at the records of the last DURATION (e.g. 90s, 10m, 2h, 1d, 1h30m)",
    )
    tail.add_argument(
        "--group",
        metavar="ID",
        help="read as this consumer group and commit its offsets (default: a throwaway "
        "reader that commits nothing)",
    )
    tail.add_argument(
        "--json", action="store_true", help="one structured CloudEvent JSON line per item"
    )
    tail.add_argument("--max", type=int, metavar="N", help="exit 0 after N items")
    tail.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="exit 0 when no item came for this long (default: follow until Ctrl-C)",
    )
    add_kafka_flags(tail)


def run_tail(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Follow the topics ``args`` name and print the items; returns the exit code."""
    try:
        start = start_at(args.from_beginning, args.since, now_s=time.time())
        if args.max is not None and args.max < 1:
            raise ValueError("--max must be at least 1")  # noqa: TRY301 - one usage message
        flags = {"kafka_bootstrap_servers": args.kafka_bootstrap_servers}
        flags["topic_prefix"] = args.topic_prefix
        kafka = load_settings(flags, args.config).kafka
    except (ValueError, ConfigError) as error:
        print(f"newswatch tail: {error}", file=sys.stderr)
        return EXIT_USAGE
    names = TopicNames(kafka.topic_prefix)
    topics = [names.theme(theme) for theme in args.themes] or [names.items]
    quiet_kafka_logs()
    try:
        with TopicTail(
            kafka,
            topics,
            start=start,
            group_id=args.group,
            connect_timeout_s=CONNECT_TIMEOUT_SECONDS,
        ) as tail:
            _follow(tail, args, out)
    except KafkaUnreachableError as error:
        print(f"newswatch tail: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except TopicMissingError as error:
        print(f"newswatch tail: {error} (is the topic prefix right?)", file=sys.stderr)
        return EXIT_NO_TOPIC
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        pass
    return EXIT_DONE


def start_at(from_beginning: bool, since: str | None, *, now_s: float) -> StartAt:
    """Where the flags say reading starts; ``ValueError`` for a bad ``--since``."""
    if since is not None:
        return StartAt("time", int((now_s - parse_duration(since).total_seconds()) * 1000))
    return StartAt("earliest" if from_beginning else "latest")


def _follow(tail: TopicTail, args: argparse.Namespace, out: TextIO) -> None:
    shown = 0
    seen = SeenKeys()
    for record in tail.records(args.timeout):
        try:
            item = read_item(record)
        except UnreadableRecordError as error:
            print(
                f"newswatch tail: skipped {record.topic}/{record.partition}@{record.offset}: "
                f"{error}",
                file=sys.stderr,
            )
            tail.done(record)
            continue
        if seen.first_time(record.key) and passes_min_score(item, args.min_score, args.themes):
            text = format_cloudevent(record) if args.json else format_item(item) + "\n"
            print(text, file=out, flush=True)
            shown += 1
        tail.done(record)
        if args.max is not None and shown >= args.max:
            return
