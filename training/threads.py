"""One thread count for every training, whatever the door, the process or the machine.

Why: float sums are not associative, and torch (and the BLAS under numpy) split their reductions by
thread count, so the same seed trained on 1 and on 2 threads gives different weights (a tiny teacher
measured: validation F1 0.661 on 1 thread, 0.649 on 2). Left at torch's default, the count follows the
machine and the environment (OMP_NUM_THREADS), so two doors gave two sets of figures. Trainings run
under `pinned_threads`: the config's `threads` when given, else `TRAIN_THREADS`; the caller's setting
is restored afterwards, so a server or a test that chose its own count keeps it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

# One thread: the count must not follow the machine, and with one the BLAS under numpy gives the same
# sums whatever the environment asked for at start-up (OMP_NUM_THREADS): on two threads a spaCy baseline
# trained in a subprocess started with another thread environment ended with other metrics.
TRAIN_THREADS = 1

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def pinned_threads(threads: int | None = None) -> Iterator[int]:
    """Run the block with torch's and the BLAS pools' thread counts fixed; restore them after."""
    import torch

    count = threads or TRAIN_THREADS
    before = torch.get_num_threads()
    with ExitStack() as stack:
        try:  # numpy's BLAS (thinc's CPU ops); threadpoolctl comes with scikit-learn when present
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(limits=count))
        except ImportError:
            pass
        torch.set_num_threads(count)
        try:
            yield count
        finally:
            torch.set_num_threads(before)


def pins_threads(train: F) -> F:
    """Decorate a training function: it runs under `pinned_threads(cfg.threads)` (any argument with
    a `threads` attribute is the config; none: `TRAIN_THREADS`)."""

    @functools.wraps(train)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        threads = next((a.threads for a in (*args, *kwargs.values()) if hasattr(a, "threads")), None)
        with pinned_threads(threads):
            return train(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
