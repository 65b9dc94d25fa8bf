"""Fetching: one polite, bounded HTTP GET per poll.

- Conditional: ETag / Last-Modified are sent back, and a 304 costs no parsing.
- Bounded: connect and read timeouts, plus a total deadline for the whole exchange, body
  included, so a server that trickles a byte a second is cut off; the body is capped while it
  streams, both on the wire and after gzip/deflate decoding (a gzip bomb stops early).
- Safe: every connection goes to an address the ``AddressPolicy`` checked after name
  resolution (the check sits in the connection layer, so it covers every redirect hop and a
  DNS answer cannot change between check and connect); redirects are followed by hand, loops
  and non-http(s) targets refused, permanent redirects reported so the caller remembers them.
"""

import asyncio
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from newswatch.common.errors import FetchError, FetchFailure
from newswatch.fetching.address_policy import AddressPolicy, AddressRefusedError
from newswatch.fetching.config import FetchSettings
from newswatch.fetching.politeness import HostSpacing
from newswatch.fetching.scheduling import cache_lifetime, http_date_or_seconds

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


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
    permanent_url: str | None
    validators: Validators
    cache_seconds: float | None
    wire_bytes: int

    @property
    def not_modified(self) -> bool:
        """True when the feed has not changed since the validators were issued."""
        return self.status == 304


class _PolicyNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the policy permits."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await self._policy.resolve(host, port)
        return await self._inner.connect_tcp(
            address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _PolicyTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool dialling through the address policy.

    httpx has no public hook for the dialler, so the pool is rebuilt with httpcore's public
    ``network_backend`` argument; the SSRF tests fail if this ever stops taking effect.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__(retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_PolicyNetworkBackend(policy),
        )


class Fetcher:
    """Shared HTTP client for all feeds; use ``async with``.

    ``transport`` stands in for the network in tests (``httpx.MockTransport``): it dials no
    address, so the address policy has nothing to check; the limits hold as ever.
    """

    def __init__(
        self,
        limits: FetchSettings,
        policy: AddressPolicy,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._limits = limits
        self._policy = policy
        self._spacing = HostSpacing(limits.host_min_interval_seconds)
        self._client = httpx.AsyncClient(
            transport=transport if transport is not None else _PolicyTransport(policy),
            timeout=httpx.Timeout(
                limits.read_timeout_seconds,
                connect=limits.connect_timeout_seconds,
                pool=limits.total_timeout_seconds,
            ),
            follow_redirects=False,
            headers={"User-Agent": limits.user_agent, "Accept": ACCEPT},
            trust_env=False,
        )

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, validators: Validators) -> FetchResult:
        """GET ``url``; raise ``FetchError`` with a closed-set reason on any failure.

        A host with a minimum interval between requests is waited for first, outside the
        total timeout (the wait is politeness, not the server being slow).
        """
        await self._spacing.wait(urlsplit(url).hostname or "")
        try:
            async with asyncio.timeout(self._limits.total_timeout_seconds):
                return await self._follow(url, validators)
        except AddressRefusedError as error:
            reason = FetchFailure.BLOCKED_ADDRESS if error.resolved else FetchFailure.DNS
            raise FetchError(str(error), feed_url=url, reason=reason) from error
        except TimeoutError as error:
            raise FetchError(
                f"no complete answer within {self._limits.total_timeout_seconds:g} s",
                feed_url=url,
                reason=FetchFailure.TIMEOUT,
            ) from error
        except httpx.TimeoutException as error:
            raise FetchError(
                f"timed out: {type(error).__name__}", feed_url=url, reason=FetchFailure.TIMEOUT
            ) from error
        except httpx.ConnectError as error:
            reason = (
                FetchFailure.TLS
                if isinstance(error.__cause__, ssl.SSLError)
                else FetchFailure.CONNECT
            )
            raise FetchError(f"cannot connect: {error}", feed_url=url, reason=reason) from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FetchError(
                f"{type(error).__name__}: {error}", feed_url=url, reason=FetchFailure.PROTOCOL
            ) from error

    async def _follow(self, url: str, validators: Validators) -> FetchResult:
        """Follow redirects by hand, checking every hop."""
        current = url
        visited = {url}
        permanent: str | None = None
        all_permanent = True
        for _ in range(self._limits.max_redirects + 1):
            response = await self._send(current, validators)
            try:
                if response.status_code not in REDIRECT_STATUSES:
                    return await self._finish(url, current, response, validators, permanent)
                location = response.headers.get("location", "")
                all_permanent = all_permanent and response.status_code in PERMANENT_REDIRECTS
            finally:
                await response.aclose()
            target = urljoin(current, location.strip())
            if urlsplit(target).scheme not in _DEFAULT_PORTS or not location.strip():
                raise FetchError(
                    f"redirect to a non-http(s) location {location[:200]!r}",
                    feed_url=url,
                    reason=FetchFailure.BAD_REDIRECT,
                )
            if target in visited:
                raise FetchError(
                    f"redirect loop back to {target}",
                    feed_url=url,
                    reason=FetchFailure.REDIRECT_LOOP,
                )
            visited.add(target)
            current = target
            permanent = current if all_permanent else None
        raise FetchError(
            f"more than {self._limits.max_redirects} redirects",
            feed_url=url,
            reason=FetchFailure.TOO_MANY_REDIRECTS,
        )

    async def _send(self, url: str, validators: Validators) -> httpx.Response:
        """Send one conditional GET and return the response with its body still unread."""
        headers = {}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        request = self._client.build_request("GET", url, headers=headers)
        return await self._client.send(request, stream=True)

    async def _finish(
        self,
        feed_url: str,
        final_url: str,
        response: httpx.Response,
        validators: Validators,
        permanent: str | None,
    ) -> FetchResult:
        now = datetime.now(UTC)
        status = response.status_code
        if status == 304:
            return FetchResult(
                304,
                b"",
                "",
                final_url,
                permanent,
                validators,
                cache_lifetime(response.headers, now),
                0,
            )
        if status != 200:
            retry_after = None
            if status in {429, 503}:
                retry_after = http_date_or_seconds(response.headers.get("retry-after", ""), now)
            raise FetchError(
                f"HTTP {status}",
                feed_url=feed_url,
                reason=FetchFailure.RATE_LIMITED if status == 429 else FetchFailure.HTTP_STATUS,
                status=status,
                retry_after=retry_after,
            )
        body = await self._read_capped(response, feed_url)
        return FetchResult(
            status=200,
            body=body,
            content_type=response.headers.get("content-type", ""),
            final_url=final_url,
            permanent_url=permanent,
            validators=Validators(
                etag=response.headers.get("etag", ""),
                last_modified=response.headers.get("last-modified", ""),
            ),
            cache_seconds=cache_lifetime(response.headers, now),
            wire_bytes=response.num_bytes_downloaded,
        )

    async def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        """The decoded body; refused as soon as the wire bytes or the decoded bytes pass the cap."""
        cap = self._limits.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(
                f"declared body of {declared} bytes exceeds the {cap}-byte limit",
                feed_url=url,
                reason=FetchFailure.TOO_LARGE,
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap or response.num_bytes_downloaded > cap:
                raise FetchError(
                    f"body exceeds the {cap}-byte limit",
                    feed_url=url,
                    reason=FetchFailure.TOO_LARGE,
                )
            chunks.append(chunk)
        return b"".join(chunks)
