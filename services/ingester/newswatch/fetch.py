"""Fetching: one HTTP GET per poll, bounded in time and size, conditional when it can be.

The whole exchange, body included, must finish within the total timeout, so a server that
trickles bytes cannot hold a poll forever; the decoded body is capped while it streams.
"""

import asyncio
from dataclasses import dataclass

import httpx

from newswatch.errors import FetchError, FetchFailure

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.1"
)


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server told us to send back for a conditional GET."""

    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A completed fetch; ``body`` is empty when the server answered 304 Not Modified."""

    status: int
    body: bytes
    content_type: str
    final_url: str
    validators: Validators

    @property
    def not_modified(self) -> bool:
        """True when the feed has not changed since the validators were issued."""
        return self.status == 304


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Timeouts and size cap of one fetch."""

    connect_seconds: float
    read_seconds: float
    total_seconds: float
    max_body_bytes: int
    max_redirects: int


class Fetcher:
    """Shared HTTP client for all feeds; use ``async with``."""

    def __init__(self, limits: FetchLimits, user_agent: str) -> None:
        self._limits = limits
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                limits.read_seconds, connect=limits.connect_seconds, pool=limits.total_seconds
            ),
            follow_redirects=True,
            max_redirects=limits.max_redirects,
            headers={"User-Agent": user_agent, "Accept": ACCEPT},
        )

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, validators: Validators) -> FetchResult:
        """GET ``url``; raise ``FetchError`` with a closed-set reason on any failure."""
        try:
            async with asyncio.timeout(self._limits.total_seconds):
                return await self._get(url, validators)
        except TimeoutError as error:
            raise FetchError(
                f"no complete answer within {self._limits.total_seconds:g} s",
                feed_url=url,
                reason=FetchFailure.TIMEOUT,
            ) from error
        except httpx.TimeoutException as error:
            raise FetchError(
                f"timed out: {type(error).__name__}", feed_url=url, reason=FetchFailure.TIMEOUT
            ) from error
        except httpx.TooManyRedirects as error:
            raise FetchError(
                str(error), feed_url=url, reason=FetchFailure.TOO_MANY_REDIRECTS
            ) from error
        except (httpx.ConnectError, httpx.NetworkError) as error:
            raise FetchError(
                f"cannot connect: {error}", feed_url=url, reason=FetchFailure.CONNECT
            ) from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FetchError(
                f"{type(error).__name__}: {error}", feed_url=url, reason=FetchFailure.PROTOCOL
            ) from error

    async def _get(self, url: str, validators: Validators) -> FetchResult:
        headers = {}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        async with self._client.stream("GET", url, headers=headers) as response:
            final_url = str(response.url)
            if response.status_code == 304:
                return FetchResult(304, b"", "", final_url, validators)
            if response.status_code != 200:
                raise FetchError(
                    f"HTTP {response.status_code}",
                    feed_url=url,
                    reason=FetchFailure.HTTP_STATUS,
                    status=response.status_code,
                )
            body = await self._read_capped(response, url)
            return FetchResult(
                status=200,
                body=body,
                content_type=response.headers.get("content-type", ""),
                final_url=final_url,
                validators=Validators(
                    etag=response.headers.get("etag", ""),
                    last_modified=response.headers.get("last-modified", ""),
                ),
            )

    async def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        """The decoded body, refused once it grows past the cap (a gzip bomb stops early)."""
        cap = self._limits.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(
                f"body of {declared} bytes exceeds the {cap}-byte limit",
                feed_url=url,
                reason=FetchFailure.TOO_LARGE,
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(
                    f"body exceeds the {cap}-byte limit",
                    feed_url=url,
                    reason=FetchFailure.TOO_LARGE,
                )
            chunks.append(chunk)
        return b"".join(chunks)
