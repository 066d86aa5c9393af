"""One redaction helper for every message and log line carner writes: no secret leaves the process.

Secrets reach messages three ways: a URL with credentials (`http://user:pass@host`, a database URL),
a `password=`/`token=` query or form field, and a server echoing what we sent (a doccano error body).
`redact()` masks all three in free text; `redact_url()` is the same for one URL; `RedactingFilter`
applies it to every log record. It lives in `carner.common`, the lowest layer, so every layer can use it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"

# scheme://user:password@host -> scheme://user:***@host (also a token alone: scheme://token@host).
# The password runs to the *last* `@` before a space or a double quote: it may hold ', /, :, %, @.
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^/\s:@'\"]*)(?P<password>:[^\s\"]*)?@"
)
_SECRET_FIELDS = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|token|access_token|refresh_token|api[_-]?key|secret)"
    r"[\"']?\s*[=:]\s*)(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s&\"',;}][^\s&\",;}]*))",
    re.IGNORECASE,
)
# What an HTTP client sends and a server may echo back: `Authorization: Basic YWRtaW46aHVudGVyMg==`
# (a token-like word: 8+ characters with a digit or `=`, so "Basic authentication failed" stays).
_AUTH_SCHEMES = re.compile(
    r"(?P<scheme>\b(?:Basic|Bearer|Token|Digest))\s+(?=[A-Za-z0-9+/=._~\-]*[0-9=])(?P<value>[A-Za-z0-9+/=._~\-]{8,})"
)
SHORT_SECRET = 4  # shorter secrets are masked only as whole words: "ab" must not eat every "ab"
_known: set[str] = set()


def _forms(value: str) -> set[str]:
    """A secret as it may appear in text: itself, percent-encoded (in a URL), JSON-escaped."""
    import json
    from urllib.parse import quote

    forms = {value, quote(value, safe=""), quote(value, safe="@:/"), json.dumps(value)[1:-1]}
    return {f for f in forms if f}


def register_secret(value: str | None, user: str | None = None) -> None:
    """Mask this literal value (e.g. the doccano password) wherever it appears in a later message, in
    any of its forms; with `user`, also the Basic-auth token `base64(user:value)` a server may echo."""
    if not value:
        return
    _known.update(_forms(value))
    if user is not None:
        _known.add(basic_token(user, value))


def url_credentials(url: str) -> tuple[str, str] | None:
    """(user, password) of a URL as a person typed it (the password may hold `/`, `'`, `@`), or None.
    `urllib.parse` reads `http://u:ab/cd@host` as host `u`, port `ab`: the secret would go unmasked."""
    from urllib.parse import unquote

    found = _URL_CREDENTIALS.search(url)
    if found is None or found["password"] is None:
        return None
    return unquote(found["user"]), found["password"][1:]


def register_url_secrets(url: str | None) -> None:
    """Mask the password of `url` (as typed, decoded, and as Basic auth) in every later message."""
    found = url_credentials(url) if url else None
    if found is not None:
        from urllib.parse import unquote

        user, password = found
        register_secret(password, user=user)
        register_secret(unquote(password), user=user)


def basic_token(user: str, password: str) -> str:
    """The `Authorization: Basic` token of a user and password (what doccano's error bodies echo)."""
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _mask_literal(text: str, secret: str) -> str:
    if len(secret) >= SHORT_SECRET:
        return text.replace(secret, MASK)
    return re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", MASK, text)


def redact(text: object, secrets: Iterable[str | None] = ()) -> str:
    """`text` with URL credentials, `password=…`-style fields, Authorization tokens and known secret
    values (any length, any characters, and their encoded forms) masked."""
    out = str(text)
    given = {form for s in secrets if s for form in _forms(s)}
    for secret in sorted({*_known, *given}, key=len, reverse=True):
        out = _mask_literal(out, secret)
    out = _URL_CREDENTIALS.sub(_mask_credentials, out)
    out = _AUTH_SCHEMES.sub(lambda m: f"{m['scheme']} {MASK}", out)
    return _SECRET_FIELDS.sub(_mask_field, out)


def _mask_field(match: re.Match[str]) -> str:
    if match["dq"] is not None:
        return f'{match["key"]}"{MASK}"'
    if match["sq"] is not None:
        return f"{match['key']}'{MASK}'"
    return f"{match['key']}{MASK}"


def _mask_credentials(match: re.Match[str]) -> str:
    user = match["user"]
    if match["password"] is not None:
        return f"{match['scheme']}{user}:{MASK}@"
    return f"{match['scheme']}{MASK}@" if user else match.group(0)


def redact_url(url: object) -> str:
    """A URL fit to print: its password (or bare token) masked."""
    return redact(url)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (arguments merged) through `redact`; installed on handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = redact(str(record.exc_info[1]))
            if text != str(record.exc_info[1]):  # the traceback would repeat the secret: keep the line
                record.msg, record.args = f"{cleaned} ({type(record.exc_info[1]).__name__}: {text})", None
                record.exc_info, record.exc_text = None, None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Add a `RedactingFilter` to every handler of `logger` (default: the root logger), once."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
