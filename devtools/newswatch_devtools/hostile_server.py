"""A real HTTP server on loopback that misbehaves in every way a feed server can."""

import functools
import gzip
import socket
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from newswatch_devtools.http_server import BackgroundServer, QuietHandler

Handler = Callable[[BaseHTTPRequestHandler], None]

GOOD_ITEM = (
    "<item><title>Taliban fighters attack Afghan army checkpoint in {place}</title>"
    "<link>http://hostile.test/{slug}</link><guid>{slug}</guid>"
    "<description>Taliban fighters attacked an Afghan army checkpoint, killing soldiers."
    "</description>"
    "<pubDate>Mon, 04 May 2020 10:00:00 GMT</pubDate></item>"
)


def rss(*items: str, prolog: str = "", channel_extra: str = "") -> bytes:
    """A small RSS 2.0 document around ``items``."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>Hostile</title><link>http://hostile.test/</link>{channel_extra}"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def good_item(slug: str, place: str = "Kunduz") -> str:
    """An item that matches taliban_attacks."""
    return GOOD_ITEM.format(slug=slug, place=place)


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    """Write a complete response."""
    handler.send_response(status)
    headers.setdefault("Content-Type", "application/rss+xml; charset=utf-8")
    headers.setdefault("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


class HostileServer:
    """Serves ``routes`` (path → handler); records every path requested."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Handler] = {}
        self.requested: list[str] = []
        server = self

        class RequestHandler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                server.requested.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    send(self, 404, b"not found", Content_Type="text/plain")
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    return

        self._http = BackgroundServer(RequestHandler, host)

    def url(self, path: str) -> str:
        """Absolute URL of ``path``."""
        return self._http.url(path)

    def start(self) -> "HostileServer":
        """Serve in the background."""
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop accepting; handlers still dripping die with the process."""
        self._http.stop()


def slow_drip(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte every half second, forever."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    for _ in range(10_000):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.5)


def endless_body(handler: BaseHTTPRequestHandler) -> None:
    """A body of hundreds of megabytes, sent as fast as the client reads."""
    size = 500 * 1024 * 1024
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    chunk = b"<!-- padding -->" * 4096
    for _ in range(size // len(chunk)):
        handler.wfile.write(chunk)


def chunked_endless_body(handler: BaseHTTPRequestHandler) -> None:
    """Like ``endless_body`` but without a Content-Length, so only streaming can stop it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<!-- padding -->" * 4096
    for _ in range(40_000):
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))


def gzip_bomb(handler: BaseHTTPRequestHandler) -> None:
    """About 100 KB on the wire that inflate to 100 MB."""
    send(handler, 200, _gzip_bomb(), Content_Encoding="gzip")


@functools.cache
def _gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * (100 * 1024 * 1024), compresslevel=9)


class SilentListener:
    """Accepts TCP connections and never answers."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.port = int(self._socket.getsockname()[1])

    def close(self) -> None:
        """Stop listening."""
        self._socket.close()
