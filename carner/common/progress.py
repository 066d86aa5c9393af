"""Progress bars for long steps (crawl, training epochs, labelling, speed timing), usable from any floor.

A stage calls `with progress("labelling", total=n) as advance: ... advance(k)` and stays free of rich
and of the terminal: the bar is drawn on stderr only when it is a terminal and the command line has
not switched bars off (`carner -q`); otherwise `advance` does nothing. rich is imported only when a bar
is actually drawn, so importing this module costs nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_enabled: bool | None = None  # None: decided by whether stderr is a terminal


def set_enabled(enabled: bool | None) -> None:
    """Switch bars on or off for this process (`None`: on when stderr is a terminal). The CLI calls it."""
    global _enabled
    _enabled = enabled


def is_enabled() -> bool:
    """Whether a bar would be drawn now."""
    if _enabled is not None:
        return _enabled
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def nothing(_steps: float = 1) -> None:
    """The `advance` of a bar that is not drawn."""
    return None


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """A bar for one long step; yields `advance(steps=1)`. `total=None` shows a spinner and a count."""
    if not is_enabled():
        yield nothing
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        SpinnerColumn() if total is None else BarColumn(bar_width=24),
        TextColumn("{task.description}"),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(
        *columns, console=Console(stderr=True), transient=True, refresh_per_second=4
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(steps: float = 1) -> None:
            bar.advance(task, steps)

        yield advance


progress_bar = progress  # for modules whose own flag is called `progress`


def track(
    iterable: Iterable[T], description: str, total: float | None = None, enabled: bool = True
) -> Iterator[T]:
    """`for item in track(items, "teacher epoch 1/3"):` draws a bar over `items` (as tqdm would)."""
    if not enabled or not is_enabled():
        yield from iterable
        return
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    with progress(description, total=total) as advance:
        for item in iterable:
            yield item
            advance()
