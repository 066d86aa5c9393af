"""What to annotate next: a random sample, the texts the current model is least sure about, or those
where the model and the pre-annotation from item specifics disagree.

Uncertainty sampling spends annotators' time where a correction teaches the model most. Its blind spot
is what the model confidently misses: a label it has never seen (a colour, a fuel) is tagged `O` with
certainty. `disagreement` asks a second, independent voter, the pre-annotator that matches the
listing's item specifics in its text (query by committee with two members): a text whose pre-annotation
and prediction differ most goes first, model confidence breaks ties. Any model with `confidence(texts)`
(and `predict(texts)` for `disagreement`) serves: annotation must not import training, so the
protocols are restated here.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotation.labels import Span
from annotation.store import DISTANT, current_spans_by_task
from db.models import GOLD_SOURCES, Annotation, AnnotationTask

log = logging.getLogger(__name__)

STRATEGIES = ("random", "uncertainty", "disagreement")
MODEL_STRATEGIES = frozenset({"uncertainty", "disagreement"})  # the strategies that need a model
Strategy = Literal["random", "uncertainty", "disagreement"]


@runtime_checkable
class ConfidenceModel(Protocol):
    def confidence(self, texts: list[str]) -> list[float]:
        """A score in [0, 1] per text; lowest = most worth annotating."""
        ...


@runtime_checkable
class PredictingModel(ConfidenceModel, Protocol):
    def predict(self, texts: list[str]) -> list[list[Span]]:
        """Predicted `(start, end, label)` spans per text."""
        ...


@dataclass
class Selection:
    tasks: list[AnnotationTask]
    strategy: str  # the strategy actually used
    fallback_reason: str | None = None
    confidences: list[float] | None = None  # aligned with tasks, model strategies only
    agreements: list[float] | None = None  # aligned with tasks, disagreement only


def span_agreement(a: Sequence[Sequence[object]], b: Sequence[Sequence[object]]) -> float:
    """Exact-span F1 between two annotations of one text: 1.0 when they are equal (both empty too)."""
    sa, sb = {tuple(x) for x in a}, {tuple(x) for x in b}
    if not sa and not sb:
        return 1.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


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
    """Up to `limit` tasks to annotate next. A model strategy without a model falls back to `random`.

    `disagreement` ranks by agreement between the model's spans and the task's current `distant`
    (pre-annotation) spans, lowest first; a task never pre-annotated counts as agreeing (no second
    vote), and confidence breaks ties.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    tasks = candidate_tasks(session, include_annotated, fields)
    # A seeded shuffle first: random order for `random`, and a fair tie-break for equal confidences.
    random.Random(seed).shuffle(tasks)
    fallback = None
    if strategy in MODEL_STRATEGIES and model is None:
        fallback = f"no model given: {strategy} sampling needs a trained model, used random"
        log.warning(fallback)
        strategy = "random"
    if strategy == "random":
        return Selection(tasks[:limit] if limit is not None else tasks, "random", fallback)
    if strategy == "disagreement" and not isinstance(model, PredictingModel):
        raise ValueError(
            "disagreement sampling needs a model with predict(texts) as well as confidence(texts)"
        )

    scores: list[float] = []
    agreements: list[float] = []
    for i in range(0, len(tasks), batch_size):
        chunk = tasks[i : i + batch_size]
        batch = [t.text for t in chunk]
        got = list(model.confidence(batch))
        if len(got) != len(batch):
            raise ValueError(f"model returned {len(got)} confidences for {len(batch)} texts")
        scores += [float(s) for s in got]
        if strategy == "disagreement":
            distant = current_spans_by_task(session, [t.id for t in chunk])  # per batch: bounded IN lists
            predicted = list(model.predict(batch))
            if len(predicted) != len(batch):
                raise ValueError(f"model returned {len(predicted)} predictions for {len(batch)} texts")
            for task, spans in zip(chunk, predicted, strict=True):
                voted = distant.get(task.id, {}).get(DISTANT)
                agreements.append(1.0 if voted is None else span_agreement(spans, voted))
        if progress is not None:
            progress(len(batch))

    def key(i: int) -> tuple[float, float]:
        return (agreements[i] if agreements else 0.0, scores[i])

    order = sorted(range(len(tasks)), key=key)  # stable: the shuffled order breaks exact ties
    if limit is not None:
        order = order[:limit]
    return Selection(
        [tasks[i] for i in order],
        strategy,
        None,
        [scores[i] for i in order],
        [agreements[i] for i in order] if agreements else None,
    )
