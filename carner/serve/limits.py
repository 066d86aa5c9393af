"""What one /predict request may cost, and reading its body within that cost.

Why tokens, not only characters: the models' work grows with the words (spaCy, the soft student) or
word pieces (the teacher) of a text, so a text of 2,000 characters costs 1 token as one long word of
"é" and 2,000 as emoji. `count_tokens` counts what a word-piece tokenizer would at most cut: each run
of punctuation or symbol characters one token each, each word one token per 16 characters. Budgets:
per text, per request (all its texts) and per inference batch (what the worker runs at once, which
bounds how long a small request waits behind a big one).

Why the body bound is derived, not 4 bytes a character: `json.dumps` writes a non-ASCII character as a
6-byte escape (`\\u00e9`) and one beyond the BMP as two (12 bytes), so a valid batch of 64 x 2,000 "é"
is 768 KB. The raw body is capped at 12 bytes per allowed character plus slack, read before parsing;
the real limit is then checked on characters and tokens after decoding.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# a word (at most 16 characters a token) or one symbol/punctuation character; linear, no backtracking
_TOKEN = re.compile(r"\w{1,16}|[^\w\s]")
_SURROGATE = re.compile("[\ud800-\udfff]")
JSON_ESCAPE_BYTES = 12  # the longest JSON form of one Python character: a surrogate pair, \\uXXXX\\uXXXX


def count_tokens(text: str) -> int:
    """An upper estimate of the model tokens in `text` (see the module docstring), in linear time."""
    return sum(1 for _ in _TOKEN.finditer(text))


@dataclass(frozen=True)
class ServeLimits:
    """Per-request and per-batch budgets of the model server (settings `CARNER_SERVE_*`)."""

    max_text_chars: int = 2000
    max_batch: int = 64  # texts in one request, and in one inference batch
    max_text_tokens: int = 128
    max_request_tokens: int = 8192
    max_batch_tokens: int = 128  # one inference batch: a small request waits at most about one batch
    max_queue: int = 256  # requests waiting for the model; more: 503 with Retry-After
    max_queue_tokens: int = 32_768
    timeout_s: float = 10.0  # a request not answered by then: 503 with Retry-After, its work dropped

    def __post_init__(self) -> None:
        """Named as the settings are (CARNER_SERVE_<NAME>), so a bad combination says what to change."""
        for name in ("max_text_chars", "max_batch", "max_text_tokens", "max_batch_tokens", "max_queue"):
            if getattr(self, name) < 1:
                raise ValueError(f"CARNER_SERVE_{name.upper()} must be >= 1, got {getattr(self, name)}")
        if self.timeout_s <= 0:
            raise ValueError(f"CARNER_SERVE_TIMEOUT_S must be > 0, got {self.timeout_s}")
        chain = ("max_text_tokens", "max_request_tokens", "max_queue_tokens")
        for small, big in zip(chain, chain[1:], strict=False):
            if getattr(self, small) > getattr(self, big):
                raise ValueError(
                    f"CARNER_SERVE_{small.upper()} ({getattr(self, small)}) must not exceed "
                    f"CARNER_SERVE_{big.upper()} ({getattr(self, big)})"
                )

    @classmethod
    def from_settings(cls, settings: Any) -> ServeLimits:
        return cls(
            max_text_chars=settings.serve_max_text_chars,
            max_batch=settings.serve_max_batch,
            max_text_tokens=settings.serve_max_text_tokens,
            max_request_tokens=settings.serve_max_request_tokens,
            max_batch_tokens=settings.serve_max_batch_tokens,
            max_queue=settings.serve_max_queue,
            max_queue_tokens=settings.serve_max_queue_tokens,
            timeout_s=settings.serve_timeout_s,
        )

    @property
    def max_body_bytes(self) -> int:
        """A generous bound on a valid body (each character at its longest JSON escape), read first."""
        return self.max_batch * (self.max_text_chars * JSON_ESCAPE_BYTES + 8) + 64 * 1024

    def describe(self) -> dict[str, Any]:
        return {
            "max_text_chars": self.max_text_chars,
            "max_batch": self.max_batch,
            "max_text_tokens": self.max_text_tokens,
            "max_request_tokens": self.max_request_tokens,
            "max_batch_tokens": self.max_batch_tokens,
            "timeout_s": self.timeout_s,
        }


class BadRequest(Exception):
    """A request answered with a 4xx/5xx status and one JSON `error` line (plus optional headers)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class PredictRequest:
    """A parsed /predict body: the texts, whether it was a batch, each text's token cost, and the query
    parameters (options of the answer's shape are read from `query` by the renderer)."""

    texts: list[str]
    batch: bool
    costs: list[int]
    query: dict[str, str] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return sum(self.costs)


def load_json(raw: bytes) -> Any:
    """The JSON value of a body; `BadRequest` 400 naming why for anything `json.loads` refuses."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            400, f"request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except UnicodeDecodeError:
        raise BadRequest(400, "request body is not valid JSON: not UTF-8") from None
    except RecursionError:
        raise BadRequest(400, "request body is not valid JSON for this server: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        reason = str(exc).split(";")[0].split(":")[0]
        raise BadRequest(400, f"request body is not valid JSON for this server: {reason}") from None


def parse_predict_body(
    raw: bytes, limits: ServeLimits, query: dict[str, str] | None = None
) -> PredictRequest:
    """The texts of a /predict body and whether it was a batch; `BadRequest` with a clear message."""
    if len(raw) > limits.max_body_bytes:
        raise BadRequest(413, f"request body is {len(raw)} bytes; the limit is {limits.max_body_bytes}")
    body = load_json(raw)
    if (
        not isinstance(body, dict)
        or len({"text", "texts"} & body.keys()) != 1
        or set(body) - {"text", "texts"}
    ):
        raise BadRequest(422, 'send a JSON object with either "text": "..." or "texts": ["...", ...]')
    batch = "texts" in body
    texts = body["texts"] if batch else [body["text"]]
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise BadRequest(422, '"texts" must be a list of strings' if batch else '"text" must be a string')
    if len(texts) > limits.max_batch:
        raise BadRequest(413, f"{len(texts)} texts in one request; the limit is {limits.max_batch}")
    costs = []
    for i, text in enumerate(texts):
        name = f"texts[{i}]" if batch else "text"
        if len(text) > limits.max_text_chars:
            raise BadRequest(
                413, f"{name} is {len(text)} characters long; the limit is {limits.max_text_chars}"
            )
        if not text.isascii() and (lone := _SURROGATE.search(text)):
            raise BadRequest(
                422,
                f"{name} holds a lone surrogate (U+{ord(lone.group()):04X}) at character {lone.start()}: "
                "send text as UTF-8",
            )
        cost = count_tokens(text)
        if cost > limits.max_text_tokens:
            raise BadRequest(413, f"{name} is {cost} tokens long; the limit is {limits.max_text_tokens}")
        costs.append(cost)
    if sum(costs) > limits.max_request_tokens:
        raise BadRequest(
            413, f"the request holds {sum(costs)} tokens; the limit is {limits.max_request_tokens}"
        )
    return PredictRequest(texts, batch, costs, dict(query or {}))
