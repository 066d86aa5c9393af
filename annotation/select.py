"""What to annotate next: a random sample, or the texts the current model is least sure about.

Uncertainty sampling spends annotators' time where a correction teaches the model most. Any model
with `confidence(texts)` serves (spaCy baseline, BERT teacher, students): annotation must not import
training, so the protocol is restated here.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotation.store import GOLD_SOURCES
from db.models import Annotation, AnnotationTask

log = logging.getLogger(__name__)

STRATEGIES = ("random", "uncertainty")
Strategy = Literal["random", "uncertainty"]


@runtime_checkable
class ConfidenceModel(Protocol):
    def confidence(self, texts: list[str]) -> list[float]:
        """A score in [0, 1] per text; lowest = most worth annotating."""
        ...


@dataclass
class Selection:
    tasks: list[AnnotationTask]
    strategy: str  # the strategy actually used
    fallback_reason: str | None = None
    confidences: list[float] | None = None  # aligned with tasks, uncertainty only


def candidate_tasks(
    session: Session, include_annotated: bool = False, fields: Sequence[str] = ("title",)
) -> list[AnnotationTask]:
    """Tasks of the given fields, by id; without those that already have gold unless asked."""
    query = select(AnnotationTask).where(AnnotationTask.field.in_(list(fields))).order_by(AnnotationTask.id)
    if not include_annotated:
        has_gold = (
            select(Annotation.task_id)
            .where(Annotation.current.is_(True), Annotation.source.in_(sorted(GOLD_SOURCES)))
            .scalar_subquery()
        )
        query = query.where(AnnotationTask.id.not_in(has_gold))
    return list(session.scalars(query))


def select_tasks(
    session: Session,
    *,
    strategy: str = "random",
    limit: int | None = None,
    model: ConfidenceModel | None = None,
    include_annotated: bool = False,
    fields: Sequence[str] = ("title",),
    seed: int = 0,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
) -> Selection:
    """Up to `limit` tasks to annotate next. `uncertainty` without a model falls back to `random`."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    tasks = candidate_tasks(session, include_annotated, fields)
    # A seeded shuffle first: random order for `random`, and a fair tie-break for equal confidences.
    random.Random(seed).shuffle(tasks)
    fallback = None
    if strategy == "uncertainty" and model is None:
        fallback = "no model given: uncertainty sampling needs a trained model, used random"
        log.warning(fallback)
        strategy = "random"
    if strategy == "random":
        return Selection(tasks[:limit] if limit is not None else tasks, "random", fallback)

    scores: list[float] = []
    for i in range(0, len(tasks), batch_size):
        batch = [t.text for t in tasks[i : i + batch_size]]
        got = list(model.confidence(batch))
        if len(got) != len(batch):
            raise ValueError(f"model returned {len(got)} confidences for {len(batch)} texts")
        scores += [float(s) for s in got]
        if progress is not None:
            progress(len(batch))
    order = sorted(range(len(tasks)), key=lambda i: scores[i])  # stable: shuffled order breaks ties
    if limit is not None:
        order = order[:limit]
    return Selection([tasks[i] for i in order], "uncertainty", None, [scores[i] for i in order])
