"""Reading a /predict body within its limits: every bad or hostile shape is a named 4xx, never a 500."""

from __future__ import annotations

import json
import time

import pytest

from carner.serve.limits import BadRequest, ServeLimits, count_tokens, parse_predict_body

LIMITS = ServeLimits(max_text_chars=200, max_batch=8, max_text_tokens=40, max_request_tokens=100)


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (
            b"{not json",
            400,
            "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)",
        ),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b'["a"]', 422, 'either "text"'),
        (b'{"text": "a", "texts": ["b"]}', 422, 'either "text"'),
        (b'{"text": "a", "extra": 1}', 422, 'either "text"'),
        (b'{"text": 5}', 422, '"text" must be a string'),
        (b'{"texts": ["a", 5]}', 422, '"texts" must be a list of strings'),
        (json.dumps({"text": "x" * 201}).encode(), 413, "text is 201 characters long; the limit is 200"),
        (json.dumps({"texts": ["ok", "x" * 201]}).encode(), 413, "texts[1] is 201 characters long"),
        (json.dumps({"texts": ["a"] * 9}).encode(), 413, "9 texts in one request; the limit is 8"),
        (b" " * (LIMITS.max_body_bytes + 1), 413, "request body is"),
        # token budgets: per text, per request
        (json.dumps({"text": "ab " * 41}).encode(), 413, "text is 41 tokens long; the limit is 40"),
        (json.dumps({"texts": ["ab " * 30] * 4}).encode(), 413, "request holds 120 tokens; the limit is 100"),
        # hostile shapes: a lone surrogate, 100k-deep nesting, a 5000-digit integer
        (b'{"text": "Ford \\ud800 F-150"}', 422, "text holds a lone surrogate (U+D800) at character 5"),
        (b'{"texts": ["ok", "\\udfff"]}', 422, "texts[1] holds a lone surrogate (U+DFFF)"),
        (b'{"text": ' + b"7" * 5000 + b"}", 400, "not valid JSON for this server: Exceeds the limit"),
    ],
)
def test_bad_bodies_are_named(raw: bytes, status: int, message: str) -> None:
    with pytest.raises(BadRequest) as err:
        parse_predict_body(raw, LIMITS)
    assert err.value.status == status
    assert message in err.value.message
    assert "\n" not in err.value.message and "sys." not in err.value.message


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000 + b"]" * 100_000, b'{"texts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"],
    ids=["array", "in-texts"],
)
def test_100k_deep_json_is_a_400_at_the_default_limits(raw: bytes) -> None:
    limits = ServeLimits()
    assert len(raw) <= limits.max_body_bytes  # within the byte cap: the parser itself must refuse it
    with pytest.raises(BadRequest) as err:
        parse_predict_body(raw, limits)
    assert err.value.status == 400 and "nested too deeply" in err.value.message


def test_good_bodies() -> None:
    one = parse_predict_body(b'{"text": "2015 Ford Focus"}', LIMITS)
    assert (one.texts, one.batch, one.costs) == (["2015 Ford Focus"], False, [3])
    assert parse_predict_body(b'{"texts": []}', LIMITS).texts == []
    emoji = parse_predict_body(json.dumps({"texts": ["é🚗"] * 8}).encode(), LIMITS)
    assert emoji.texts == ["é🚗"] * 8 and emoji.costs == [2] * 8
    # a surrogate pair is one character, not a lone surrogate
    assert parse_predict_body(b'{"text": "\\ud83d\\ude97"}', LIMITS).texts == ["🚗"]
    assert parse_predict_body(b'{"text": "a"}', LIMITS, {"records": "1"}).query == {"records": "1"}


def test_a_full_batch_of_non_ascii_text_is_accepted_at_the_default_limits() -> None:
    """64 x 2,000 "é" is 768 KB as json.dumps writes it (6 bytes a character): within the limits."""
    limits = ServeLimits()
    raw = json.dumps({"texts": ["é" * 2000] * 64}).encode()
    assert len(raw) > 64 * 2000 * 6
    request = parse_predict_body(raw, limits)
    assert len(request.texts) == 64 and request.tokens <= limits.max_request_tokens
    astral = json.dumps({"texts": ["🚗" * 2000] * 64}).encode()  # 12 bytes a character: read, then refused
    with pytest.raises(BadRequest) as err:
        parse_predict_body(astral, limits)
    assert err.value.status == 413 and "tokens long" in err.value.message


def test_token_counts_are_linear_and_bound_the_models_work() -> None:
    assert count_tokens("2015 Toyota Camry LE 2.5L") == 7  # 2015 Toyota Camry LE 2 . 5L
    assert count_tokens("é" * 2000) == 125  # one long word: one token per 16 characters
    assert count_tokens("🚗" * 2000) == 2000  # every symbol a token
    assert count_tokens("ab " * 1000) == 1000
    t0 = time.perf_counter()
    count_tokens("<a>" * 300_000 + "x" * 100_000)
    assert time.perf_counter() - t0 < 2.0  # ~1 MB in well under a second; no backtracking


def test_limits_must_grow_and_name_the_setting() -> None:
    with pytest.raises(ValueError, match=r"CARNER_SERVE_MAX_TEXT_TOKENS \(100\) must not exceed "):
        ServeLimits(max_text_tokens=100, max_request_tokens=50)
    with pytest.raises(ValueError, match="CARNER_SERVE_MAX_REQUEST_TOKENS"):
        ServeLimits(max_request_tokens=10_000, max_queue_tokens=5000)
    with pytest.raises(ValueError, match="CARNER_SERVE_MAX_BATCH_TOKENS must be >= 1, got 0"):
        ServeLimits(max_batch_tokens=0)
    with pytest.raises(ValueError, match="CARNER_SERVE_TIMEOUT_S must be > 0"):
        ServeLimits(timeout_s=0)
