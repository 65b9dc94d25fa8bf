"""A real HTTP server on 127.0.0.1 that serves feeds for tests, with ETag support."""

import threading
from dataclasses import dataclass

from newswatch_devtools.http_server import BackgroundServer, QuietHandler


@dataclass
class Route:
    """What one path answers."""

    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str = ""
    status: int = 200


class FeedServer:
    """Serves ``Route``s by path; counts requests; honours If-None-Match."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: dict[str, int] = {}
        self.not_modified: dict[str, int] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                server._count(server.requests, self.path)
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    server._count(server.not_modified, self.path)
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.etag:
                    self.send_header("ETag", route.etag)
                self.end_headers()
                self.wfile.write(route.body)

        self._http = BackgroundServer(Handler)

    def _count(self, counter: dict[str, int], path: str) -> None:
        with self._lock:
            counter[path] = counter.get(path, 0) + 1

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return self._http.url(path)

    def start(self) -> "FeedServer":
        """Start serving in a background thread."""
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._http.stop()
