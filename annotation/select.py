"""What to annotate next: a random sample, the texts the current model is least sure about, or those
where the model and the pre-annotation from item specifics disagree.

Uncertainty sampling spends annotators' time where a correction teaches the model most. Its blind spot
is what the model confidently misses: a label it has never seen (a colour, a fuel) is tagged `O` with
certainty. `disagreement` asks a second, independent voter, the pre-annotator that matches the
listing's item specifics in its text (query by committee with two members): a text whose pre-annotation
and prediction differ most goes first, model confidence breaks ties. `balanced` aims at macro F1: the
labels that the model and the pre-annotation see in a text are worth more the rarer they are in the
gold so far, a batch is chosen greedily (each pick counts as annotated, so the next picks look for
other labels), near-duplicate titles are skipped, and disagreement and uncertainty scale the value.
`committee` is query by committee among models (Seung et al. 1992; for NER Settles & Craven 2008): a
`Committee` of two or more (the champion and the baseline, say, or models trained on bootstrap
resamples) votes, and texts whose members' spans differ most go first.
Any model with `confidence(texts)` (and `predict(texts)` for `disagreement` and `balanced`) serves:
annotation must not import training, so the protocols are restated here.
"""

from __future__ import annotations

import heapq
import logging
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from carner.annotation.labels import Span
from carner.annotation.store import DISTANT, current_spans_by_task
from carner.db.models import GOLD_SOURCES, Annotation, AnnotationTask
from sqlalchemy import select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

STRATEGIES = ("random", "uncertainty", "disagreement", "balanced", "committee")
MODEL_STRATEGIES = frozenset({"uncertainty", "disagreement", "balanced", "committee"})  # need a model
PREDICT_STRATEGIES = frozenset({"disagreement", "balanced"})  # ... and also its predicted spans
Strategy = Literal["random", "uncertainty", "disagreement", "balanced", "committee"]
NEAR_DUPLICATE = 0.8
"""Word-set Jaccard at or above which a title counts as a near-duplicate of one already in the batch."""


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


class Committee:
    """Two or more models voting on each text: `votes` gives every member's spans, `confidence` their
    mean confidence, `predict` the first member's spans (so a committee also pre-fills as its head)."""

    def __init__(self, members: Sequence[PredictingModel]) -> None:
        if len(members) < 2:
            raise ValueError(f"a committee needs at least two models, got {len(members)}")
        for m in members:
            if not isinstance(m, PredictingModel):
                raise ValueError(f"committee member {m!r} has no predict(texts) and confidence(texts)")
        self.members = list(members)
        self.kind = "committee of " + " + ".join(str(getattr(m, "kind", type(m).__name__)) for m in members)

    def votes(self, texts: list[str]) -> list[list[list[Span]]]:
        """Per text, each member's predicted spans (members in order)."""
        per_member = [list(m.predict(texts)) for m in self.members]
        for m, got in zip(self.members, per_member, strict=True):
            if len(got) != len(texts):
                raise ValueError(f"committee member {m!r} returned {len(got)} predictions for {len(texts)}")
        return [list(v) for v in zip(*per_member, strict=True)]

    def confidence(self, texts: list[str]) -> list[float]:
        per_member = [list(m.confidence(texts)) for m in self.members]
        return [sum(c) / len(c) for c in zip(*per_member, strict=True)]

    def predict(self, texts: list[str]) -> list[list[Span]]:
        return list(self.members[0].predict(texts))


def vote_agreement(votes: Sequence[Sequence[Sequence[object]]]) -> float:
    """Mean pairwise exact-span F1 among the members' votes on one text: 1.0 when all agree."""
    pairs = [(a, b) for i, a in enumerate(votes) for b in votes[i + 1 :]]
    return sum(span_agreement(a, b) for a, b in pairs) / len(pairs) if pairs else 1.0


@dataclass
class Selection:
    tasks: list[AnnotationTask]
    strategy: str  # the strategy actually used
    fallback_reason: str | None = None
    confidences: list[float] | None = None  # aligned with tasks, model strategies only
    agreements: list[float] | None = None  # aligned with tasks: disagreement and committee


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
    vote), and confidence breaks ties. `committee` needs a `Committee` as the model and ranks by its
    members' mean pairwise agreement, lowest first, their mean confidence breaking ties.
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
    if strategy in PREDICT_STRATEGIES and not isinstance(model, PredictingModel):
        raise ValueError(
            f"{strategy} sampling needs a model with predict(texts) as well as confidence(texts)"
        )
    if strategy == "committee" and not isinstance(model, Committee):
        raise ValueError("committee sampling needs a Committee of two or more models (e.g. --committee)")

    scores: list[float] = []
    agreements: list[float] = []
    labels_seen: list[frozenset[str]] = []  # balanced: labels the model or the pre-annotation sees
    for i in range(0, len(tasks), batch_size):
        chunk = tasks[i : i + batch_size]
        batch = [t.text for t in chunk]
        got = list(model.confidence(batch))
        if len(got) != len(batch):
            raise ValueError(f"model returned {len(got)} confidences for {len(batch)} texts")
        scores += [float(s) for s in got]
        if strategy in PREDICT_STRATEGIES:
            distant = current_spans_by_task(session, [t.id for t in chunk])  # per batch: bounded IN lists
            predicted = list(model.predict(batch))
            if len(predicted) != len(batch):
                raise ValueError(f"model returned {len(predicted)} predictions for {len(batch)} texts")
            for task, spans in zip(chunk, predicted, strict=True):
                voted = distant.get(task.id, {}).get(DISTANT)
                agreements.append(1.0 if voted is None else span_agreement(spans, voted))
                labels_seen.append(frozenset(str(s[2]) for s in [*spans, *(voted or [])]))
        if isinstance(model, Committee) and strategy == "committee":
            agreements += [vote_agreement(v) for v in model.votes(batch)]
        if progress is not None:
            progress(len(batch))

    if strategy == "balanced":
        candidates = [
            Candidate(
                labels_seen[i],
                frozenset(words(tasks[i].text)),
                (1.0 - agreements[i]) + (1.0 - scores[i]),
            )
            for i in range(len(tasks))
        ]
        counts, n_gold = gold_label_counts(session, fields)
        order = balanced_order(candidates, counts, n_gold, limit)
    else:

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


# ------------------------------------------------------------------------------- balanced sampling


@dataclass(frozen=True)
class Candidate:
    """What `balanced` knows of one text: the labels voted for it, its words, how unsure the votes are."""

    labels: frozenset[str]
    words: frozenset[str]
    informativeness: float  # (1 - model/pre-annotation agreement) + (1 - model confidence), in [0, 2]


_WORD = re.compile(r"\w+")


def words(text: str) -> set[str]:
    """Lower-cased word set of a text (the near-duplicate test compares these)."""
    return {w.casefold() for w in _WORD.findall(text)}


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def gold_label_counts(session: Session, fields: Sequence[str] = ("title",)) -> tuple[Counter[str], int]:
    """Gold spans per label and the number of gold texts so far (what `balanced` weighs labels by)."""
    query = (
        select(Annotation.spans)
        .join(AnnotationTask, Annotation.task_id == AnnotationTask.id)
        .where(
            Annotation.current.is_(True),
            Annotation.source.in_(sorted(GOLD_SOURCES)),
            AnnotationTask.field.in_(list(fields)),
        )
    )
    counts: Counter[str] = Counter()
    n_texts = 0
    for spans in session.scalars(query):
        n_texts += 1
        counts.update(str(s[2]) for s in spans or [])
    return counts, n_texts


def balanced_value(candidate: Candidate, counts: Counter[str], n_texts: int) -> float:
    """A label is worth 1 / (1 + its gold count): a text is worth its labels' sum (plus a small share
    for the text itself, so texts with no votes are not worthless), scaled up by its informativeness."""
    value = 1.0 / (1 + n_texts) + sum(1.0 / (1 + counts[label]) for label in candidate.labels)
    return value * (1.0 + candidate.informativeness)


def balanced_order(
    candidates: Sequence[Candidate],
    gold_counts: Counter[str],
    gold_texts: int,
    limit: int | None = None,
    near_duplicate: float = NEAR_DUPLICATE,
) -> list[int]:
    """Indices of the chosen candidates, best first, picked greedily.

    Each pick counts its labels as annotated, so the next pick's value for those labels drops (values
    only ever drop, so a lazy max-heap is exact). A candidate whose word set is a near-duplicate
    (Jaccard >= `near_duplicate`) of one picked among the last `limit` (256 without a limit) waits
    until everything else is chosen. Exact ties keep the input order (the caller's seeded shuffle).
    """
    counts = Counter(gold_counts)
    n_texts = gold_texts
    want = len(candidates) if limit is None else min(limit, len(candidates))
    window = limit or 256
    heap = [(-balanced_value(c, counts, n_texts), i) for i, c in enumerate(candidates)]
    heapq.heapify(heap)
    chosen: list[int] = []
    deferred: list[int] = []
    while heap and len(chosen) < want:
        _, i = heapq.heappop(heap)
        value = balanced_value(candidates[i], counts, n_texts)
        if heap and value < -heap[0][0]:
            heapq.heappush(heap, (-value, i))  # stale: its labels were picked meanwhile
            continue
        if any(jaccard(candidates[i].words, candidates[j].words) >= near_duplicate for j in chosen[-window:]):
            deferred.append(i)
            continue
        chosen.append(i)
        counts.update(candidates[i].labels)
        n_texts += 1
    return (chosen + deferred)[:want]
