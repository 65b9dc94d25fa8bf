"""Waiting for a server started as a process to answer, for the tests and the demo."""

import time
import urllib.error
import urllib.request
from collections.abc import Callable


class NotReadyError(RuntimeError):
    """A server did not answer 200 in time; the message names the URL and the last answer."""


def wait_for_ok(url: str, timeout_s: float, check_alive: Callable[[], None]) -> None:
    """Poll GET ``url`` until it answers 200. ``check_alive`` is called before each try and
    raises when the server's process has exited, so a crash is reported at once."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url}")
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        check_alive()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http(s) only
                if response.status == 200:
                    return
                last = response.status
        except urllib.error.HTTPError as error:
            last = error.code
            error.close()
        except OSError as error:
            last = error
        time.sleep(0.1)
    raise NotReadyError(f"not ready at {url} within {timeout_s:g} s (last answer: {last})")
