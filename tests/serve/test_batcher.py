"""The micro-batcher with a scripted model: round-robin batches, budgets, a full queue, time limits.

The model below blocks on a gate, so what sits in the queue while a batch runs is known exactly.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from carner.serve.batcher import Batcher, QueueFull, RequestTimeout
from carner.serve.limits import ServeLimits


class GatedModel:
    """Answers each text with its own length; the first `hold` batches wait for `gate`."""

    def __init__(self, hold: int = 1, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.hold = hold
        self.fail_on = fail_on

    def predict(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        self.batches.append(list(texts))
        self.entered.set()
        if len(self.batches) <= self.hold:
            assert self.gate.wait(10)
        if self.fail_on in texts:
            raise RuntimeError("model broke")
        return [[{"n": len(t)}] for t in texts]


class Collect:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.rows: Any = None
        self.error: BaseException | None = None

    def __call__(self, rows: Any, error: BaseException | None) -> None:
        self.rows, self.error = rows, error
        self.done.set()


def limits(**kw: Any) -> ServeLimits:
    base = {"max_text_tokens": 10, "max_request_tokens": 100, "max_batch_tokens": 20, "max_queue_tokens": 200}
    return ServeLimits(**{**base, **kw})


def test_a_small_request_joins_the_next_batch_beside_a_big_one() -> None:
    batcher = Batcher(limits())
    model = GatedModel()
    try:
        big, small = Collect(), Collect()
        batcher.submit(model, [f"big{i}" for i in range(10)], [10] * 10, big)
        assert model.entered.wait(5)  # the worker holds the first batch (big0, big1: 20 tokens)
        batcher.submit(model, ["title"], [3], small)
        assert batcher.depth()["requests"] == 2
        model.gate.set()
        assert small.done.wait(5) and big.done.wait(5)
    finally:
        batcher.stop()
    assert model.batches[0] == ["big0", "big1"]
    assert "title" in model.batches[1]  # not after the 8 other texts of the big request
    assert small.rows == [[{"n": 5}]]
    assert big.rows == [[{"n": 4}]] * 10  # in order, whatever batch each text ran in
    assert all(sum(10 if t.startswith("big") else 3 for t in b) <= 20 for b in model.batches)


def test_one_batch_serves_many_requests_round_robin() -> None:
    batcher = Batcher(limits(max_batch_tokens=100))
    model = GatedModel()
    try:
        first = Collect()
        batcher.submit(model, ["warm"], [1], first)
        assert model.entered.wait(5)
        waiting = [Collect() for _ in range(5)]
        for i, done in enumerate(waiting):
            batcher.submit(model, [f"r{i}a", f"r{i}b"], [1, 1], done)
        model.gate.set()
        assert all(d.done.wait(5) for d in waiting)
    finally:
        batcher.stop()
    assert model.batches[1] == [f"r{i}a" for i in range(5)] + [f"r{i}b" for i in range(5)]


def test_a_full_queue_is_refused_with_a_retry_after() -> None:
    batcher = Batcher(limits(max_queue=1))
    model = GatedModel()
    try:
        batcher.submit(model, [f"big{i}" for i in range(6)], [10] * 6, Collect())
        assert model.entered.wait(5)  # 4 texts of it still queued
        with pytest.raises(QueueFull) as err:
            batcher.submit(model, ["title"], [3], Collect())
        assert err.value.retry_after_s >= 1 and "1 requests (40 tokens) are waiting" in str(err.value)
    finally:
        model.gate.set()
        batcher.stop()


def test_queued_tokens_are_bounded_too() -> None:
    batcher = Batcher(limits(max_queue=10, max_queue_tokens=100))
    model = GatedModel()
    try:
        batcher.submit(model, ["x"], [1], Collect())
        assert model.entered.wait(5)
        batcher.submit(model, ["a"] * 9, [10] * 9, Collect())
        with pytest.raises(QueueFull):
            batcher.submit(model, ["b"] * 2, [10] * 2, Collect())
        batcher.submit(model, ["c"], [10], Collect())  # exactly at the bound
    finally:
        model.gate.set()
        batcher.stop()


def test_a_request_over_its_time_limit_is_answered_and_its_work_dropped() -> None:
    batcher = Batcher(limits(timeout_s=0.3))
    model = GatedModel()

    async def late() -> float:
        blocker = Collect()
        batcher.submit(model, ["blocker"], [1], blocker)
        assert model.entered.wait(5)  # the worker is busy with the blocker
        t0 = time.perf_counter()
        with pytest.raises(RequestTimeout) as err:
            await batcher.infer(model, [f"late{i}" for i in range(5)], [10] * 5)
        assert err.value.retry_after_s >= 1 and "within the limit of 0.3 s" in str(err.value)
        return time.perf_counter() - t0

    try:
        waited = asyncio.run(late())
        model.gate.set()
        time.sleep(0.3)
        assert batcher.depth()["requests"] == 0 and batcher.depth()["tokens"] == 0
    finally:
        batcher.stop()
    assert 0.25 <= waited < 2.0
    assert not any(t.startswith("late") for b in model.batches for t in b)  # never computed


def test_batches_never_mix_models_and_a_failing_batch_fails_only_its_requests() -> None:
    batcher = Batcher(limits(max_batch_tokens=100))
    old, new = GatedModel(), GatedModel(hold=0, fail_on="bad")
    try:
        a, b, c, d = Collect(), Collect(), Collect(), Collect()
        batcher.submit(old, ["warm"], [1], a)
        assert old.entered.wait(5)
        batcher.submit(old, ["o1"], [1], b)
        batcher.submit(new, ["bad"], [1], c)
        old.gate.set()
        assert a.done.wait(5) and b.done.wait(5) and c.done.wait(5)
        batcher.submit(new, ["fine"], [1], d)
        assert d.done.wait(5)
    finally:
        batcher.stop()
    assert old.batches == [["warm"], ["o1"]] and new.batches == [["bad"], ["fine"]]
    assert isinstance(c.error, RuntimeError) and d.rows == [[{"n": 4}]]
