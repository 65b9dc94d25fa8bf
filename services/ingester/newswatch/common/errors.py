"""The ingester's errors. Each carries the context needed to find the fault.

NewswatchError
├── ConfigError          a configuration file or setting is wrong (file, line, field)
├── StartupError         something outside the service is in the way (a port taken, no Kafka)
├── FeedError            one feed failed; the service goes on with the others
│   ├── FetchError       the HTTP exchange failed (reason from ``FetchFailure``)
│   └── ParseError       the body is not a feed we can read
├── EntryRejectedError        one entry cannot be normalised; it goes to the dead-letter topic
├── PublishError         Kafka did not acknowledge a record
├── SpoolError           the on-disk spool could not be opened or written (path)
└── KafkaReadError       a topic could not be read (``newswatch tail``)
    ├── KafkaUnreachableError   no broker answered at the bootstrap address
    └── TopicMissingError       a topic to read does not exist
"""

from enum import IntEnum, StrEnum
from pathlib import Path

from newswatch.common.redaction import redact_text, redact_url
from newswatch_schemas import RejectionReason


class NewswatchError(Exception):
    """Base of every error the ingester raises on purpose."""


class ConfigError(NewswatchError):
    """A configuration problem, located as precisely as the input allows."""

    def __init__(
        self, message: str, *, path: Path | None = None, line: int | None = None, field: str = ""
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        super().__init__(self.location() + message)

    def location(self) -> str:
        """``file:line: field: `` prefix, with whatever parts are known."""
        parts = []
        if self.path is not None:
            parts.append(str(self.path) if self.line is None else f"{self.path}:{self.line}")
        if self.field:
            parts.append(self.field)
        return "".join(f"{part}: " for part in parts)


class ExitCode(IntEnum):
    """The ``newswatch`` command's exit codes (the README's Commands section lists them)."""

    OK = 0
    UNREACHABLE = 1
    """``feeds``/``healthcheck``: no ingester answered; ``match``: some lines unreadable."""
    CONFIG_ERROR = 2
    """A configuration file, setting or flag is wrong."""
    NO_FEED_FETCHED = 3
    """``run --once``: there were feeds, and not one could be fetched."""
    KAFKA_UNREACHABLE = 4
    """``run --once`` to Kafka: the brokers did not answer."""
    PORT_UNAVAILABLE = 5
    """``run``: the metrics port cannot be listened on (in use, or not allowed)."""


class StartupError(NewswatchError):
    """The service cannot start because of something outside it; the message says what to
    change, and ``exit_code`` is the command's exit code."""

    def __init__(self, message: str, *, exit_code: ExitCode) -> None:
        self.exit_code = exit_code
        super().__init__(message)


class FetchFailure(StrEnum):
    """Why a fetch failed: a closed set, used as the ``outcome`` metric label."""

    TIMEOUT = "timeout"
    DNS = "dns_error"
    CONNECT = "connect_error"
    TLS = "tls_error"
    BLOCKED_ADDRESS = "blocked_address"
    HTTP_STATUS = "http_error"
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    BAD_REDIRECT = "bad_redirect"
    PROTOCOL = "protocol_error"


class FeedError(NewswatchError):
    """A failure confined to one feed.

    Its text goes to logs and ``/feeds``, so the feed URL and any URL in the message are
    redacted (``common.redaction``); ``feed_url`` is the redacted URL too.
    """

    def __init__(self, message: str, *, feed_url: str) -> None:
        self.feed_url = redact_url(feed_url)
        self.detail = redact_text(message)
        super().__init__(f"{self.feed_url}: {self.detail}")


class FetchError(FeedError):
    """The feed could not be fetched."""

    def __init__(
        self,
        message: str,
        *,
        feed_url: str,
        reason: FetchFailure,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        super().__init__(message, feed_url=feed_url)


class ParseError(FeedError):
    """The body could not be read as a feed at all."""


class EntryRejectedError(NewswatchError):
    """One entry could not be normalised; ``reason`` is a closed set."""

    def __init__(self, reason: RejectionReason, detail: str) -> None:
        self.reason = reason
        self.detail = redact_text(detail)
        super().__init__(f"{reason.value}: {detail}")


class PublishError(NewswatchError):
    """Kafka did not acknowledge a record."""

    def __init__(self, message: str, *, topic: str) -> None:
        self.topic = topic
        super().__init__(f"{topic}: {message}")


class SpoolError(NewswatchError):
    """The on-disk spool could not be opened or written; ``path`` says which file."""

    def __init__(self, message: str, *, path: Path) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class KafkaReadError(NewswatchError):
    """A topic could not be read; ``bootstrap_servers`` says where it was tried."""

    def __init__(self, message: str, *, bootstrap_servers: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        super().__init__(message)


class KafkaUnreachableError(KafkaReadError):
    """No broker answered at the bootstrap address within the time allowed."""


class TopicMissingError(KafkaReadError):
    """A topic to read does not exist on the cluster."""

    def __init__(self, topic: str, *, bootstrap_servers: str) -> None:
        self.topic = topic
        super().__init__(
            f"no topic {topic} on {bootstrap_servers}", bootstrap_servers=bootstrap_servers
        )


class FeedProblem(StrEnum):
    """Something wrong with a feed that did not stop it: a closed set, used as a metric label."""

    DOCTYPE_REMOVED = "doctype_removed"
    FIELD_TRUNCATED = "field_truncated"
    NOT_WELL_FORMED = "not_well_formed"
    TOO_MANY_ENTRIES = "too_many_entries"
    DATE_ESTIMATED = "date_estimated"
    ENCODING_SUSPECT = "encoding_suspect"
