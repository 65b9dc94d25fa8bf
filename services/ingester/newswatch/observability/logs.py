"""Structured logs on stderr: JSON lines in production, readable columns in a terminal.

Context such as the feed and item ids is bound with ``structlog.contextvars`` and appears on
every line logged while handling them. Every URL in a line (fields, messages of libraries,
tracebacks) is redacted before it is written (``common.redaction``).
"""

import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import structlog

from newswatch.common.redaction import redact_text

REPEAT_WINDOW_SECONDS = 60.0
_VARYING = re.compile(r"0x[0-9a-fA-F]+|\d+(?:\.\d+)?")


class RepeatFilter(logging.Filter):
    """Lets one of a run of like lines through per window, and says how many it held back.

    kafka-python logs every failed reconnect and metadata retry, several lines a second while a
    broker is away; the ingester's own lines already say that Kafka is unreachable. Lines are
    alike when they differ only in numbers and addresses.
    """

    def __init__(
        self,
        prefix: str,
        window_seconds: float = REPEAT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._prefix = prefix
        self._window = window_seconds
        self._clock = clock
        self._last: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a line like one let through less than a window ago."""
        if not record.name.startswith(self._prefix):
            return True
        key = (record.name, record.levelno, _VARYING.sub("#", record.getMessage()))
        now = self._clock()
        shown_at, held_back = self._last.get(key, (float("-inf"), 0))
        if now - shown_at < self._window:
            self._last[key] = (shown_at, held_back + 1)
            return False
        self._last[key] = (now, 0)
        if held_back:
            record.msg = f"{record.getMessage()} ({held_back} like lines held back)"
            record.args = None
        return True


class SlowStepFilter(logging.Filter):
    """Shows kafka-python's "blocking the event loop" warning only at DEBUG.

    kafka-python 3 runs its own event loop on its network thread and warns when one step of
    it took over 0.1 s ("It is blocking the event loop -- likely a tight sync loop inside a
    coroutine"). In the ingester the step is slow because the main thread holds the
    interpreter lock (parsing results, matching, publishing) while kafka-python's thread
    waits for it: nothing is looping, no request times out, and the advice does not apply.
    Delivery problems show as unacknowledged records and ``/readyz`` instead.
    """

    LOGGER = "kafka.net.selector"
    MARK = "blocking the event loop"

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the slow-step warning unless DEBUG lines are wanted; then it is DEBUG."""
        if record.name != self.LOGGER or self.MARK not in record.getMessage():
            return True
        if not logging.getLogger(self.LOGGER).isEnabledFor(logging.DEBUG):
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


_quieting: dict[str, tuple[int, int]] = {}
_quieting_lock = threading.Lock()


@contextmanager
def quieted(name: str) -> Iterator[None]:
    """Hold back the lines of logger ``name`` (and its children) below CRITICAL for the
    duration: for kafka-python's connection errors while the caller reports the problem in
    one line of its own. Overlapping uses (several tasks reconnecting at once) restore the
    level only when the last one ends."""
    logger = logging.getLogger(name)
    with _quieting_lock:
        depth, level = _quieting.get(name, (0, logger.level))
        _quieting[name] = (depth + 1, level)
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        with _quieting_lock:
            depth, level = _quieting.pop(name)
            if depth > 1:
                _quieting[name] = (depth - 1, level)
            else:
                logger.setLevel(level)


def redact_secrets(
    logger: object, method_name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """A structlog processor: every URL in every string of the line, however deep, redacted.

    The call sites log redacted URLs already; this is the net under the ones that cannot
    choose (a library's message, an exception's text, a traceback's locals).
    """
    return {key: _redacted(value) for key, value in event_dict.items()}


def _redacted(value: object) -> object:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def configure_logging(log_format: Literal["auto", "json", "console"], level: str) -> None:
    """Send structlog and standard-library logs (kafka-python's) to stderr in one format."""
    as_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.dict_tracebacks
            if as_json
            else structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(SlowStepFilter())
    handler.addFilter(RepeatFilter("kafka"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kafka", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
