"""The HTTP port: ``/metrics`` for Prometheus, ``/healthz`` and ``/readyz`` for orchestrators.

``/healthz`` (liveness) answers 200 while the event loop keeps beating; ``/readyz`` answers 200
while the configuration is loaded and the sink takes events (Kafka, or the spool while Kafka
is away: then the body's ``status`` says "degraded: spooling"), 503 with the reason otherwise;
``/feeds`` returns every feed's health as JSON (what ``newswatch feeds`` shows).

``/metrics`` is always the Prometheus text format (0.0.4), gzipped at level 1 when the client
takes gzip. Prometheus asks for OpenMetrics first, but prometheus_client's OpenMetrics encoder
escapes every sample's name character by character, twice the CPU of the text format, and its
gzip runs at level 9, four times that of level 1 for a tenth fewer bytes: at 10,000 feeds
(``benchmarks/scrape_bench.py``) that is the difference between about 1.1 s and 0.5 s of CPU
per scrape. Prometheus reads the text format as well; nothing here needs OpenMetrics (no
exemplars, no units).
"""

import gzip
import json
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

HEARTBEAT_STALE_SECONDS = 30.0
METRICS_GZIP_LEVEL = 1


class HealthState:
    """What the probes report; the service updates it, the HTTP thread reads it."""

    def __init__(self) -> None:
        self.config_loaded = False
        self.sink_ready: Callable[[], bool] = lambda: False
        self.sink_status: Callable[[], str] = str
        self.feeds: Callable[[], list[dict[str, Any]]] = list
        self._last_beat = time.monotonic()

    def beat(self) -> None:
        """Called from the event loop to show it is not stuck."""
        self._last_beat = time.monotonic()

    def alive(self) -> bool:
        """True while the event loop has beaten recently."""
        return time.monotonic() - self._last_beat < HEARTBEAT_STALE_SECONDS

    def not_ready_reason(self) -> str:
        """Empty when ready; otherwise why not."""
        if not self.config_loaded:
            return "configuration not loaded"
        if not self.sink_ready():
            return self.sink_status() or "kafka not reachable"
        return ""

    def status(self) -> str:
        """ "ok", or what is degraded while the service still collects ("degraded: spooling")."""
        return self.sink_status() or "ok"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probe requests are not worth a log line each."""


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def make_app(registry: CollectorRegistry, state: HealthState) -> Callable[..., Iterable[bytes]]:
    """The WSGI application serving the three endpoints."""

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return _metrics(registry, environ, start_response)
        if path == "/healthz":
            alive = state.alive()
            return _json(start_response, 200 if alive else 503, {"alive": alive})
        if path == "/readyz":
            reason = state.not_ready_reason()
            body = {"ready": not reason, "reason": reason, "status": state.status()}
            return _json(start_response, 503 if reason else 200, body)
        if path == "/feeds":
            return _json(start_response, 200, {"feeds": state.feeds()})
        return _json(
            start_response,
            404,
            {"error": "not found", "paths": ["/metrics", "/healthz", "/readyz", "/feeds"]},
        )

    return app


def _metrics(
    registry: CollectorRegistry, environ: Environ, start_response: StartResponse
) -> list[bytes]:
    """The registry's samples in the text format, gzipped when the client accepts it."""
    body = generate_latest(registry)
    headers = [("Content-Type", CONTENT_TYPE_PLAIN_0_0_4)]
    accepted = environ.get("HTTP_ACCEPT_ENCODING", "")
    if "gzip" in (coding.split(";")[0].strip() for coding in accepted.split(",")):
        body = gzip.compress(body, compresslevel=METRICS_GZIP_LEVEL)
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Length", str(len(body))))
    start_response("200 OK", headers)
    return [body]


def _json(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    phrase = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
    payload = json.dumps(body).encode("utf-8")
    start_response(
        f"{status} {phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


class HttpEndpoint:
    """The HTTP server on its own daemon thread."""

    def __init__(self, host: str, port: int, app: Callable[..., Iterable[bytes]]) -> None:
        self._server = make_server(
            host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="newswatch-http", daemon=True
        )

    @property
    def port(self) -> int:
        """The bound port (useful when 0 was asked for)."""
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Start serving."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
