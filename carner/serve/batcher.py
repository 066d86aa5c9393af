"""Dynamic micro-batching: one inference worker pulls batches from a bounded queue of requests.

Why: the models label a batch of texts much faster than the same texts one call each, and spaCy
pipelines are not thread-safe anyway. Requests queue their texts; the worker takes, round-robin, one
text from each waiting request in turn until the batch holds `max_batch_tokens` tokens (or
`max_batch` texts), runs the model once and hands each request its rows; the requests it served go
to the back of the line. So under load the batches
grow with the number of clients and throughput follows the model's own speed, while a big request
is cut into batches: a one-title request that arrives beside it joins the very next batch, and waits
at most about one batch of `max_batch_tokens`, not the whole big request.

Cost is bounded: the queue holds at most `max_queue` requests and `max_queue_tokens` tokens (more is
`QueueFull`, 503 with a Retry-After from the measured speed), and a request not answered within
`timeout_s` is dropped from the queue (`RequestTimeout`) so no one waits or computes for it.

A batch holds texts of one served model only: across a hot swap, requests that started on the old
model finish on it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from carner.serve.limits import ServeLimits

log = logging.getLogger(__name__)

Rows = list[list[dict[str, Any]]]
Done = Callable[[Rows | None, BaseException | None], None]


class QueueFull(Exception):
    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RequestTimeout(Exception):
    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(eq=False)
class Job:
    """One request's texts in the queue; `rows` fill in as its batches return."""

    served: Any  # the model it started on (anything with predict(texts) -> rows)
    texts: list[str]
    costs: list[int]
    deadline: float
    done: Done
    rows: list[Any] = field(default_factory=list)
    next: int = 0  # the first text not yet given to the worker
    left: int = 0  # texts not yet answered
    cancelled: bool = False
    failed: bool = False

    def __post_init__(self) -> None:
        self.rows = [None] * len(self.texts)
        self.left = len(self.texts)

    @property
    def queued_tokens(self) -> int:
        return sum(self.costs[self.next :])


class Batcher:
    """The queue and its one inference worker thread (started on first use or by `start`)."""

    def __init__(self, limits: ServeLimits) -> None:
        self.limits = limits
        self._cond = threading.Condition()
        self._jobs: deque[Job] = deque()
        self._queued_tokens = 0
        self._running: list[Job] = []  # texts of these are in the batch being computed
        self._batch_texts = 0
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.tokens_per_s = 0.0  # exponentially weighted, from the batches run (for Retry-After)
        self.batches = 0
        self.texts_done = 0

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(target=self._work, daemon=True, name="inference")
                self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=timeout_s)

    # ------------------------------------------------------------------------------------- queueing

    def submit(self, served: Any, texts: list[str], costs: list[int], done: Done) -> Job:
        """Queue a request's texts; `done(rows, None)` or `done(None, error)` is called from the worker."""
        if self._thread is None or not self._thread.is_alive():
            self.start()
        job = Job(served, texts, costs, time.monotonic() + self.limits.timeout_s, done)
        tokens = sum(costs)
        with self._cond:
            if len(self._jobs) >= self.limits.max_queue or (
                self._jobs and self._queued_tokens + tokens > self.limits.max_queue_tokens
            ):
                wait = self._retry_after(self._queued_tokens + tokens)
                raise QueueFull(
                    f"the server is busy: {len(self._jobs)} requests ({self._queued_tokens} tokens) are "
                    f"waiting for the model; retry in {wait} s",
                    wait,
                )
            self._jobs.append(job)
            self._queued_tokens += tokens
            self._cond.notify()
        return job

    async def infer(self, served: Any, texts: list[str], costs: list[int]) -> Rows:
        """The rows of `texts` on `served`, through the queue (`QueueFull`, `RequestTimeout`)."""
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Rows] = loop.create_future()

        def done(rows: Rows | None, error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_settle, future, rows, error)

        job = self.submit(served, texts, costs, done)
        try:
            return await asyncio.wait_for(future, timeout=max(0.0, job.deadline - time.monotonic()))
        except TimeoutError:
            job.cancelled = True
            wait = self._retry_after(self._queued_tokens)
            raise RequestTimeout(
                f"the request was not answered within the limit of {self.limits.timeout_s:g} s "
                f"(the server is busy); retry in {wait} s",
                wait,
            ) from None
        except asyncio.CancelledError:  # the client went away: drop its remaining work
            job.cancelled = True
            raise

    def depth(self) -> dict[str, Any]:
        """Queue depth for /health."""
        with self._cond:
            return {
                "requests": len(self._jobs),
                "texts": sum(len(j.texts) - j.next for j in self._jobs),
                "tokens": self._queued_tokens,
                "in_batch": self._batch_texts,
                "max_requests": self.limits.max_queue,
                "max_tokens": self.limits.max_queue_tokens,
                "tokens_per_s": round(self.tokens_per_s, 1),
                "batches": self.batches,
                "texts_done": self.texts_done,
            }

    def _retry_after(self, tokens: int) -> int:
        speed = self.tokens_per_s or 1000.0
        return max(1, min(60, math.ceil(tokens / speed)))

    # --------------------------------------------------------------------------------- the worker

    def _take(self) -> list[tuple[Job, int]]:
        """The next batch (under the lock): expired requests dropped, then round-robin over the rest."""
        now = time.monotonic()
        for job in [j for j in self._jobs if j.cancelled or now > j.deadline]:
            self._jobs.remove(job)
            self._queued_tokens -= job.queued_tokens
            if not job.cancelled and not job.failed:  # the event loop's own timer may not have fired
                job.failed = True
                job.done(None, TimeoutError())
        if not self._jobs:
            return []
        served = self._jobs[0].served
        batch: list[tuple[Job, int]] = []
        tokens = 0
        added = True
        while added and len(batch) < self.limits.max_batch:
            added = False
            for job in self._jobs:
                if job.served is not served or job.next >= len(job.texts):
                    continue
                cost = job.costs[job.next]
                if batch and tokens + cost > self.limits.max_batch_tokens:
                    continue
                batch.append((job, job.next))
                job.next += 1
                tokens += cost
                added = True
                if len(batch) >= self.limits.max_batch:
                    break
        self._queued_tokens -= tokens
        # round-robin across batches too: the requests served now go to the back, so one skipped
        # (its next text did not fit) is first in line next time
        served_now = list(dict.fromkeys(job for job, _ in batch))
        taken = set(served_now)
        waiting = [j for j in self._jobs if j not in taken] + served_now
        self._jobs = deque(j for j in waiting if j.next < len(j.texts))
        return batch

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    for job in self._jobs:
                        job.done(None, RuntimeError("the server is shutting down"))
                    self._jobs.clear()
                    return
                batch = self._take()
                self._batch_texts = len(batch)
            if batch:
                self._run(batch)
            with self._cond:
                self._batch_texts = 0

    def _run(self, batch: list[tuple[Job, int]]) -> None:
        served = batch[0][0].served
        started = time.perf_counter()
        try:
            rows = served.predict([job.texts[i] for job, i in batch])
        except Exception as exc:  # the model failed on this batch: its requests get a 500, the worker goes on
            log.exception("inference failed on a batch of %d texts", len(batch))
            for job in {job for job, _ in batch}:
                if not job.failed:
                    job.failed = True
                    job.done(None, exc)
            return
        elapsed = max(time.perf_counter() - started, 1e-6)
        tokens = sum(job.costs[i] for job, i in batch)
        speed = tokens / elapsed
        self.tokens_per_s = speed if not self.tokens_per_s else 0.8 * self.tokens_per_s + 0.2 * speed
        self.batches += 1
        self.texts_done += len(batch)
        for (job, i), row in zip(batch, rows, strict=True):
            job.rows[i] = row
            job.left -= 1
            if job.left == 0 and not job.failed and not job.cancelled:
                job.done(job.rows, None)


def _settle(future: asyncio.Future[Rows], rows: Rows | None, error: BaseException | None) -> None:
    if future.done():  # timed out or cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(rows or [])
