"""The HTTP server under every test feed server: threads per request, served in the background.

Each feed server defines only its request handler (a ``QuietHandler``) and what it serves.
"""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from newswatch_devtools.ports import LOOPBACK


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that does not print an access log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        """Drop the line: test output shows failures, not every request."""
        return


class _Server(ThreadingHTTPServer):
    """Handler threads are daemons, so a handler still sending never holds up the exit."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Print the traceback of a handler's failure, unless the client just hung up (clients
        under test give up on slow or endless answers: that is what the tests want)."""
        if isinstance(sys.exception(), ConnectionError):
            return
        super().handle_error(request, client_address)


class BackgroundServer:
    """``handler`` served on ``host`` at a free port, from a daemon thread, until ``stop()``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = LOOPBACK) -> None:
        self.host = host
        self._server = _Server((host, 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self._server.server_port

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> None:
        """Start serving in the background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting and free the port; handlers still running die with the process."""
        self._server.shutdown()
        self._server.server_close()
