"""Secrets in URLs: the form of a URL that may leave the process.

Private feeds carry credentials in their URLs (``https://user:pass@host/feed``,
``?token=…``, ``?api_key=…``). The fetcher needs them; nothing else does. Every URL that
leaves the process (logs, metrics, ``/feeds``, events, checkpoints, error messages) goes
through ``redact_url`` first. The rules:

- **userinfo**: ``user:password@`` and a bare ``user@`` (often a token) become ``***@``.
- **query parameters** (and ``name=value`` pairs in the fragment) whose name is a secret
  keep their name and get the value ``REDACTED``. A name is a secret when, percent-decoded,
  lower-cased and with ``-`` read as ``_``, it is one of ``SECRET_PARAMS`` or ends with one of
  ``SECRET_SUFFIXES`` (``feed_token``, ``private_token``, ``x_amz_signature``, …). Empty
  values stay empty. The setting ``redact_query_params`` adds names
  (``set_extra_secret_params``).
- **everything else** is kept byte for byte (no re-encoding, order and repeats kept), so
  that a redacted URL is still recognisably the feed's. A URL with no secret is unchanged.

The rules are pure string work: no URL is parsed into objects that could normalise it.
"""

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

REDACTED = "REDACTED"
"""The value a secret query parameter is shown with."""

REDACTED_USERINFO = "***"
"""What userinfo (``user:password``) is shown as."""

SECRET_PARAMS = frozenset(
    {
        "token",
        "access_token",
        "auth",
        "authorization",
        "key",
        "apikey",
        "api_key",
        "sig",
        "signature",
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "client_secret",
        "session",
        "sessionid",
        "credential",
        "credentials",
    }
)
"""Query parameter names whose values are secrets (compared as described in the module)."""

SECRET_SUFFIXES = ("_token", "_key", "_secret", "_password", "_signature", "_sig", "_credential")
"""A parameter whose name ends with one of these is a secret too."""

_EXTRA_PARAMS: set[str] = set()
"""Names added by the setting ``redact_query_params`` (``set_extra_secret_params``)."""

_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>`]*[^\s\"'<>`.,;:)\]}]")
"""A URL in free text: up to a space or quote, without the punctuation that ends a sentence."""


def _plain_name(name: str) -> str:
    return unquote_plus(name).strip().lower().replace("-", "_")


def set_extra_secret_params(names: Iterable[str]) -> None:
    """Treat these parameter names as secrets too, besides ``SECRET_PARAMS``, from now on.

    Process-wide, like the logging configuration: the service calls it once at start-up with
    the setting ``redact_query_params``, so that every redaction (properties of a feed, log
    lines) follows the same rules without each call site being handed them.
    """
    _EXTRA_PARAMS.clear()
    _EXTRA_PARAMS.update(_plain_name(name) for name in names if name.strip())


def is_secret_param(name: str) -> bool:
    """True when a query parameter called ``name`` (as it stands in the URL) holds a secret."""
    plain = _plain_name(name)
    return plain in SECRET_PARAMS or plain in _EXTRA_PARAMS or plain.endswith(SECRET_SUFFIXES)


def redact_url(url: str) -> str:
    """``url`` with its userinfo and secret parameter values replaced; the rest unchanged.

    ``http://u:p@h/f.xml?token=t&page=2#x`` becomes ``http://***@h/f.xml?token=REDACTED&page=2#x``.
    """
    head, hash_sign, fragment = url.partition("#")
    base, question_mark, query = head.partition("?")
    redacted = _redact_userinfo(base) + question_mark + _redact_pairs(query)
    return redacted + hash_sign + _redact_pairs(fragment)


def redact_text(text: str) -> str:
    """``text`` with every URL in it (``scheme://…`` up to a space or quote) redacted.

    For free text that may quote a URL: exception messages, log lines from libraries.
    """
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)


def restore_secrets(redacted: str, original: str) -> str | None:
    """``redacted`` (a ``redact_url`` result) with its secrets taken back from ``original``.

    Each redacted part is refilled from the same part of ``original``: the userinfo, and each
    secret parameter from the parameter of the same name (the n-th repeat from the n-th).
    None when a part cannot be refilled. Used to resume at a feed's moved address without
    storing its secrets: a stored ``redact_url(moved)`` plus the configured URL give ``moved``
    back whenever the move kept the configured URL's credentials.
    """
    if redact_url(redacted) != redacted:
        return None
    head, _, fragment = redacted.partition("#")
    base, question_mark, query = head.partition("?")
    source_head, _, source_fragment = original.partition("#")
    source_base, _, source_query = source_head.partition("?")
    userinfo = _userinfo(source_base)
    if _userinfo(base) is not None:
        if userinfo is None:
            return None
        base = _with_userinfo(base, userinfo)
    restored_query = _restore_pairs(query, source_query)
    restored_fragment = _restore_pairs(fragment, source_fragment)
    if restored_query is None or restored_fragment is None:
        return None
    restored = base + question_mark + restored_query
    return restored + ("#" + restored_fragment if "#" in redacted else "")


def _authority_span(base: str) -> tuple[int, int] | None:
    """Start and end of the authority (``user@host:port``) in ``scheme://authority/path``."""
    start = base.find("://")
    if start < 0:
        return None
    start += 3
    end = base.find("/", start)
    return start, len(base) if end < 0 else end


def _userinfo(base: str) -> str | None:
    span = _authority_span(base)
    if span is None:
        return None
    authority = base[span[0] : span[1]]
    userinfo, at, _ = authority.rpartition("@")
    return userinfo if at else None


def _with_userinfo(base: str, userinfo: str) -> str:
    span = _authority_span(base)
    if span is None:
        return base
    _, at, host = base[span[0] : span[1]].rpartition("@")
    authority = f"{userinfo}@{host}" if at else host
    return base[: span[0]] + authority + base[span[1] :]


def _redact_userinfo(base: str) -> str:
    if _userinfo(base) is None:
        return base
    return _with_userinfo(base, REDACTED_USERINFO)


def _redact_pairs(pairs: str) -> str:
    """``a=1&token=x`` → ``a=1&token=REDACTED``; separators and other pairs kept as they are."""
    if "=" not in pairs:
        return pairs
    parts = []
    for pair in pairs.split("&"):
        name, equals, value = pair.partition("=")
        secret = equals and value and is_secret_param(name)
        parts.append(f"{name}={REDACTED}" if secret else pair)
    return "&".join(parts)


def _restore_pairs(redacted: str, original: str) -> str | None:
    """The pairs of ``redacted`` with each ``REDACTED`` value refilled from ``original``."""
    values: dict[str, list[str]] = {}
    for pair in original.split("&"):
        name, _, value = pair.partition("=")
        values.setdefault(name, []).append(value)
    seen: dict[str, int] = {}
    parts = []
    for pair in redacted.split("&"):
        name, equals, value = pair.partition("=")
        index = seen.get(name, 0)
        seen[name] = index + 1
        if equals and value == REDACTED and is_secret_param(name):
            candidates = values.get(name, [])
            if index >= len(candidates) or not candidates[index]:
                return None
            parts.append(f"{name}={candidates[index]}")
        else:
            parts.append(pair)
    return "&".join(parts)
