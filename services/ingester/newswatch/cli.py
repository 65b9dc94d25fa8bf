"""The ``newswatch`` command: ``run``, ``match``, ``evaluate``, ``check-config``, ``feeds``,
``healthcheck``, and ``tail`` (in ``commands.tail``)."""

import argparse
import asyncio
import json
import os
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import structlog
from pydantic import ValidationError

from newswatch import __version__
from newswatch.analysis.corpus import Split, held_out_is_frozen, load_corpus
from newswatch.analysis.engine import Analyzer
from newswatch.analysis.evaluate import (
    LabelledSetError,
    evaluate,
    format_report,
    load_labelled_set,
)
from newswatch.analysis.facts.gazetteer import compile_gazetteer
from newswatch.analysis.items import plain_text
from newswatch.analysis.semantic.config import (
    ENABLED_CHOICES,
    Enabled,
    SemanticSettings,
    second_opinion,
)
from newswatch.analysis.semantic.embed import E5Embedder
from newswatch.analysis.semantic.report import describe_opinion
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.explain import format_decisions
from newswatch.analysis.themes.rules import load_themes
from newswatch.app import run_service
from newswatch.commands import add_kafka_flags
from newswatch.commands.tail import add_tail_parser, run_tail
from newswatch.common.errors import ConfigError, ExitCode, StartupError
from newswatch.common.feeds import load_feeds
from newswatch.common.redaction import set_extra_secret_params
from newswatch.observability.feed_table import render_table
from newswatch.observability.logs import configure_logging
from newswatch.service.assembly import RunMode
from newswatch.settings import load_settings

EXIT_CONFIG_ERROR = ExitCode.CONFIG_ERROR
EXIT_USAGE = ExitCode.CONFIG_ERROR
EXIT_UNREACHABLE = ExitCode.UNREACHABLE
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
"""What a shell reports for a command whose reader went away (``yes | head``)."""
DEFAULT_SERVICE_URL = "http://127.0.0.1:9120"
MATCH_TEXT_LIMIT = 100_000


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="newswatch",
        description="Watch news feeds for configured themes; publish matches to Kafka.",
    )
    parser.add_argument("--version", action="version", version=f"newswatch {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the ingester",
        description="Poll the feeds and publish matched items. Settings: flags, then "
        "NEWSWATCH_* environment variables, then the settings file, then defaults.",
    )
    _add_config_flags(run)
    add_kafka_flags(run)
    run.add_argument("--once", action="store_true", help="poll every feed once, then exit")
    run.add_argument(
        "--sink",
        choices=["kafka", "stdout"],
        default="kafka",
        help="kafka (default), or stdout with --once: one structured CloudEvent JSON line per item",
    )
    run.add_argument(
        "--metrics-port",
        dest="metrics_port",
        type=int,
        help="port of /metrics, /healthz and /readyz",
    )
    run.add_argument(
        "--fetch-allow-networks",
        dest="fetch_allow_networks",
        metavar="CIDRS",
        help="comma-separated networks the fetcher may reach besides public addresses, "
        "e.g. 127.0.0.1/32 for a feed served on this machine",
    )
    run.add_argument(
        "--poll-interval",
        dest="poll_interval_seconds",
        type=float,
        help="seconds between polls of a feed",
    )
    run.add_argument("--log-format", dest="log_format", choices=["auto", "json", "console"])
    run.add_argument("--log-level", dest="log_level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    matcher = commands.add_parser(
        "match",
        help="tag JSON lines from stdin with themes",
        description="Read JSON lines with 'title', 'summary' and optional 'id' and 'lang' on "
        "stdin; write one JSON line per input line, in order, with 'id' and 'themes'.",
    )
    matcher.add_argument(
        "--themes",
        type=Path,
        dest="themes_file",
        help="themes file (YAML); bundled themes if omitted",
    )
    matcher.add_argument(
        "--explain",
        action="store_true",
        help="instead of JSON, print for a person why each theme fired or not, with the "
        "matched text in context and the score arithmetic",
    )
    _semantic_option(matcher)

    evaluator = commands.add_parser(
        "evaluate",
        help="measure the themes against a labelled set",
        description="Match every item of a labelled set (JSON lines with 'id', 'lang', "
        "'title', 'summary', 'themes') and print precision, recall and F1 per theme, for "
        "English and for the other languages, with every false positive and false negative. "
        "Without --set: the bundled corpus (evaluation/corpus/), its development part and "
        "then its frozen held-out part.",
    )
    evaluator.add_argument(
        "--set",
        type=Path,
        dest="set_file",
        help="one labelled set (JSON lines); the bundled corpus's two parts if omitted",
    )
    evaluator.add_argument(
        "--themes",
        type=Path,
        dest="themes_file",
        help="themes file (YAML); bundled themes if omitted",
    )
    _semantic_option(evaluator)

    feeds = commands.add_parser(
        "feeds",
        help="show the health of every feed of a running ingester",
        description="Ask a running ingester (its /feeds endpoint) how each feed is doing: "
        "last success, consecutive failures, last error and HTTP status, entries, bytes, "
        "fetch time and interval. Unhealthy feeds come first.",
    )
    feeds.add_argument(
        "--url",
        default=DEFAULT_SERVICE_URL,
        help=f"the ingester's HTTP port (default {DEFAULT_SERVICE_URL})",
    )
    feeds.add_argument("--json", action="store_true", help="print JSON instead of a table")
    feeds.add_argument(
        "--wide",
        action="store_true",
        help="keep each error on its feed's line (by default it wraps between words)",
    )

    health = commands.add_parser(
        "healthcheck",
        help="exit 0 when a running ingester is ready (for container healthchecks)",
        description="GET /readyz of a running ingester; exit 0 when ready, 1 otherwise.",
    )
    health.add_argument("--url", default=DEFAULT_SERVICE_URL, help="the ingester's HTTP port")

    check = commands.add_parser(
        "check-config",
        help="validate the feeds and themes files",
        description="Validate both files; on error print file, line and field, and exit 2.",
    )
    _add_config_flags(check)
    add_tail_parser(commands)
    return parser


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--feeds",
        type=Path,
        dest="feeds_file",
        help="feeds file (YAML); or NEWSWATCH_FEEDS_FILE; bundled list if neither",
    )
    parser.add_argument(
        "--themes",
        type=Path,
        dest="themes_file",
        help="themes file (YAML); or NEWSWATCH_THEMES_FILE; bundled if neither",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newswatch`` command; returns the exit code."""
    try:
        return _command(build_parser().parse_args(argv))
    except BrokenPipeError:
        # The reader went away (`newswatch evaluate | head`): no traceback, and no second error
        # when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _command(args: argparse.Namespace) -> int:
    """Run the parsed command; a configuration error is one line and exit 2."""
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "run": _run,
        "feeds": lambda args: _feeds(args.url, as_json=args.json, wide=args.wide),
        "healthcheck": lambda args: _healthcheck(args.url),
        "tail": run_tail,
        "match": _theme_command,
        "evaluate": _theme_command,
        "check-config": _check_config,
    }
    try:
        return commands[args.command](args)
    except ConfigError as error:
        print(f"newswatch: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR


def run_mode(*, once: bool, sink: str) -> RunMode:
    """The run mode the ``run`` flags ask for; ``ValueError`` for the stdout sink without
    ``--once`` (the service runs against Kafka)."""
    if not once:
        if sink != "kafka":
            raise ValueError("--sink stdout needs --once: the service runs against Kafka")
        return RunMode.SERVICE
    return RunMode.ONCE_TO_STDOUT if sink == "stdout" else RunMode.ONCE_TO_KAFKA


def _run(args: argparse.Namespace) -> int:
    try:
        mode = run_mode(once=args.once, sink=args.sink)
    except ValueError as error:
        print(f"newswatch: {error}", file=sys.stderr)
        return EXIT_USAGE
    flag_names = (
        "feeds_file",
        "themes_file",
        "kafka_bootstrap_servers",
        "topic_prefix",
        "metrics_port",
        "fetch_allow_networks",
        "poll_interval_seconds",
        "log_format",
        "log_level",
    )
    settings = load_settings({name: getattr(args, name) for name in flag_names}, args.config)
    configure_logging(settings.log_format, settings.log_level)
    set_extra_secret_params(settings.redact_query_params)
    try:
        return asyncio.run(run_service(settings, mode))
    except StartupError as error:
        print(f"newswatch: {error}", file=sys.stderr)
        return error.exit_code


def _get_json(url: str) -> tuple[int, Any]:
    """Status and JSON body of a GET to a newswatch endpoint (urllib: no extra dependency)."""
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"not an http(s) URL: {url}")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - http(s) only
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), json.loads(error.read() or b"{}")


def _feeds(service_url: str, *, as_json: bool, wide: bool = False) -> int:
    try:
        _, body = _get_json(service_url.rstrip("/") + "/feeds")
    except (OSError, ValueError) as error:
        print(
            f"newswatch: cannot read {service_url}/feeds: {error}; is an ingester running "
            "there? (`make run` starts one; --url names another)",
            file=sys.stderr,
        )
        return EXIT_UNREACHABLE
    feeds = body.get("feeds", []) if isinstance(body, dict) else []
    print(json.dumps(feeds, indent=2) if as_json else render_table(feeds, wide=wide))
    return 0


def _healthcheck(service_url: str) -> int:
    try:
        status, body = _get_json(service_url.rstrip("/") + "/readyz")
    except (OSError, ValueError) as error:
        print(f"not ready: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if status != 200:
        print(f"not ready: {body.get('reason', status)}", file=sys.stderr)
        return EXIT_UNREACHABLE
    return 0


def _check_config(args: argparse.Namespace) -> int:
    """Check the feeds, themes and gazetteer files, each whatever the others hold; print every
    error found and exit 2 when there was any."""
    settings = load_settings({"feeds_file": args.feeds_file, "themes_file": args.themes_file})
    set_extra_secret_params(settings.redact_query_params)
    errors: list[ConfigError] = []
    checks: tuple[tuple[Callable[[Path | None], str], Path | None], ...] = (
        (_check_feeds, settings.feeds_file),
        (_check_themes, settings.themes_file),
        (_check_gazetteer, settings.gazetteer_file),
    )
    for check, path in checks:
        try:
            print(check(path))
        except ConfigError as problem:
            errors.append(problem)
    for found in errors:
        print(f"newswatch: configuration error: {found}", file=sys.stderr)
    return EXIT_CONFIG_ERROR if errors else 0


def _check_feeds(path: Path | None) -> str:
    feeds_path, feeds = load_feeds(path)
    return f"{feeds_path}: {counted(len(feeds.feeds), 'feed')} OK"


def _check_themes(path: Path | None) -> str:
    themes_path, themes = load_themes(path)
    compile_themes(themes)
    names = ", ".join(theme.name for theme in themes.themes)
    return f"{themes_path}: {counted(len(themes.themes), 'theme')} OK ({names})"


def _check_gazetteer(path: Path | None) -> str:
    compile_gazetteer(path)
    return f"{path or 'bundled gazetteer'}: OK"


def counted(count: int, noun: str) -> str:
    """``1 feed``, ``2 feeds``: the count with its noun in the right number."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _semantic_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--semantic",
        choices=ENABLED_CHOICES,
        default="auto",
        help="the semantic second opinion, in this process: auto (on when installed and its "
        "classifier passed the held-out gate), on, off",
    )


def _theme_command(args: argparse.Namespace) -> int:
    """``match`` or ``evaluate``."""
    semantic: Enabled = args.semantic
    if args.command == "match":
        return _match(
            args.themes_file, sys.stdin, sys.stdout, explained=args.explain, semantic=semantic
        )
    return _evaluate(args.set_file, args.themes_file, semantic)


def _theme_analyzer(
    themes_file: Path | None, semantic: Enabled
) -> tuple[Analyzer, E5Embedder | None]:
    """The analyzer of ``match`` and ``evaluate``, with the second opinion and its in-process
    embedder when ``semantic`` turns it on."""
    _, theme_set = load_themes(themes_file)
    opinion = second_opinion(SemanticSettings(enabled=semantic))
    analyzer = Analyzer(compile_themes(theme_set), opinion=opinion)
    return analyzer, E5Embedder(threads=None) if opinion is not None else None


def _evaluate(set_file: Path | None, themes_file: Path | None, semantic: Enabled = "auto") -> int:
    """Print the evaluation report (of the corpus's two parts without ``set_file``); exit 0
    whatever the figures, 2 for an unreadable set."""
    analyzer, embedder = _theme_analyzer(themes_file, semantic)
    try:
        if set_file is not None:
            print(format_report(evaluate(analyzer, load_labelled_set(set_file), embedder)))
            return 0
        corpus = load_corpus()
    except LabelledSetError as error:
        print(f"newswatch: labelled set error: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    for split in Split:
        items = corpus.part(split)
        print(f"== {split.value} part of evaluation/corpus/ ({len(items)} items)")
        report = evaluate(analyzer, items, embedder)
        print(format_report(report, held_out=split is Split.HELD_OUT))
        print()
    if not held_out_is_frozen(corpus):
        print(
            "newswatch: the held-out part differs from evaluation/heldout.lock: its figures "
            "no longer compare with earlier ones",
            file=sys.stderr,
        )
    return 0


def _match(
    themes_file: Path | None,
    source: TextIO,
    sink: TextIO,
    *,
    explained: bool = False,
    semantic: Enabled = "auto",
) -> int:
    """Tag each input line; a bad line gets an ``error`` instead of ``themes``, in place."""
    configure_logging("auto", "WARNING")
    analyzer, embedder = _theme_analyzer(themes_file, semantic)
    failures = 0
    for line_number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        result: dict[str, Any]
        try:
            if explained:
                sink.write(_explain_line(analyzer, line, line_number, embedder) + "\n")
                continue
            result = _tag_line(analyzer, line, embedder)
        except (json.JSONDecodeError, TypeError, ValidationError) as error:
            failures += 1
            structlog.get_logger("newswatch.match").warning(
                "unreadable input line", line=line_number, error=str(error)
            )
            result = {"id": None, "line": line_number, "error": str(error), "themes": []}
        sink.write(json.dumps(result, ensure_ascii=False) + "\n")
    sink.flush()
    return 1 if failures else 0


def _read_line(line: str) -> tuple[Any, str, str, str | None]:
    """The id, plain title, plain summary and language of one input line."""
    record = json.loads(line)
    if not isinstance(record, dict):
        raise TypeError("line is not a JSON object")
    title = plain_text(str(record.get("title") or ""), MATCH_TEXT_LIMIT)
    summary = plain_text(str(record.get("summary") or ""), MATCH_TEXT_LIMIT)
    language = record.get("lang")
    return record.get("id"), title, summary, str(language) if language else None


def _tag_line(analyzer: Analyzer, line: str, embedder: E5Embedder | None = None) -> dict[str, Any]:
    """One output record of ``match`` for one input line."""
    item_id, title, summary, language = _read_line(line)
    found = analyzer.analyse_all([(title, summary, language)], embedder)[0].themes
    return {
        "id": item_id,
        "themes": [theme.model_dump(mode="json", exclude_unset=True) for theme in found],
    }


def _explain_line(
    analyzer: Analyzer, line: str, line_number: int, embedder: E5Embedder | None = None
) -> str:
    """The ``--explain`` block of one input line: the declared language in brackets, then the
    language the analysis used and why, the rules' decisions and the classifier's."""
    item_id, title, summary, language = _read_line(line)
    explanation = analyzer.explain(title, summary, language)
    decisions = explanation.decisions
    added = [
        theme
        for theme in analyzer.analyse_all([(title, summary, language)], embedder)[0].themes
        if theme.classifier is not None
    ]
    fired = [decision.theme for decision in decisions if decision.fired]
    fired += [f"{theme.theme} (classifier)" for theme in added]
    header = (
        f"line {line_number}, id {item_id if item_id is not None else '-'}"
        f" [{language or 'und'}]: {', '.join(fired) or 'no theme'}"
    )
    return (
        f"{header}\n  title: {title}\n  language: {explanation.language.describe()}\n"
        f"{format_decisions(decisions, title, summary)}\n"
        + "".join(
            f"  {theme.theme}: FIRED by the classifier\n"
            + "\n".join(describe_opinion(theme))
            + "\n"
            for theme in added
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
