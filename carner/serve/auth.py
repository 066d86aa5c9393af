"""The model server's door: a bearer token, required before listening beyond this machine.

Why: bound to 0.0.0.0 the server would let anyone on the network reload models, read the API
description and spend its CPU. With a token (`CARNER_SERVE_TOKEN` / `--token`), every endpoint but
`/health` asks `Authorization: Bearer <token>` (401 without, 403 with a wrong one; compared in
constant time). Without a token the server only listens on a loopback address, and says so.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

MIN_TOKEN_CHARS = 16
ENV_TOKEN = "CARNER_SERVE_TOKEN"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost"; any other name or address counts as the network."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None) -> str | None:
    """Refuse (ValueError) a non-loopback address without a token, or a token too short to guess;
    return a warning line for a loopback server without a token, else None."""
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"the serve token is {len(token)} characters long; use at least {MIN_TOKEN_CHARS}")
    if token is None and not is_loopback(host):
        raise ValueError(
            f"--host {host} is reachable from other machines: set a token first ({ENV_TOKEN} or --token)"
        )
    if token is None:
        return (
            f"no token set: anyone on this machine can call /predict, /reload and /docs "
            f"(set {ENV_TOKEN} to require one)"
        )
    return None


class TokenGuard:
    """Checks the `Authorization: Bearer` header of a request against the server's token (if any)."""

    def __init__(self, token: str | None) -> None:
        self._expected = token.encode("utf-8") if token else None

    @property
    def enabled(self) -> bool:
        return self._expected is not None

    def check(self, headers: Iterable[tuple[bytes, bytes]]) -> tuple[int, str] | None:
        """None when the request may pass; else (401 or 403, message). `headers` as ASGI gives them."""
        if self._expected is None:
            return None
        given = next((value for name, value in headers if name == b"authorization"), None)
        if given is None:
            return 401, "this server needs a token: send the header 'Authorization: Bearer <token>'"
        scheme, _, value = given.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(value.strip(), self._expected):
            return 403, "the token sent is not this server's token"
        return None
