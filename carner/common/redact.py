"""One redaction helper for every message and log line carner writes: no secret leaves the process.

Secrets reach messages three ways: a URL with credentials (`http://user:pass@host`, a database URL),
a `password=`/`token=` query or form field, and a server echoing what we sent (a doccano error body).
`redact()` masks all three in free text; `redact_url()` is the same for one URL; `RedactingFilter`
applies it to every log record. It lives in `db`, the lowest package, so every layer can use it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"

# scheme://user:password@host -> scheme://user:***@host (also a token alone: scheme://token@host)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^/\s:@'\"]*)(?::[^/\s@'\"]*)?@"
)
_SECRET_FIELDS = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|token|access_token|refresh_token|api[_-]?key|secret)"
    r"[\"']?\s*[=:]\s*[\"']?)(?P<value>[^\s&\"',;}]+)",
    re.IGNORECASE,
)
_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask this literal value (e.g. the doccano password) wherever it appears in a later message."""
    if value and len(value) >= 3:
        _known.add(value)


def redact(text: object, secrets: Iterable[str | None] = ()) -> str:
    """`text` with URL credentials, `password=…`-style fields and known secret values masked."""
    out = str(text)
    for secret in sorted({*_known, *(s for s in secrets if s and len(s) >= 3)}, key=len, reverse=True):
        out = out.replace(secret, MASK)
    out = _URL_CREDENTIALS.sub(_mask_credentials, out)
    return _SECRET_FIELDS.sub(lambda m: f"{m['key']}{MASK}", out)


def _mask_credentials(match: re.Match[str]) -> str:
    user = match["user"]
    had_password = ":" in match.group(0)[len(match["scheme"]) :]
    if had_password:
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
