"""Annotation storage: tasks (one text of one listing), versioned span sets, and what training reads.

Why versions: doccano imports arrive again and again (re-imports, newer exports, several annotators).
Each change adds an `Annotation` row and clears `current` on the one it replaces, so nothing is lost
and the version in force is one indexed flag away. Gold (doccano, simulated) outranks distant.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from carner.annotation.labels import DEFAULT_SCHEMA, LabelSchema, Span
from carner.db.models import GOLD_SOURCES, Annotation, AnnotationTask, Listing
from sqlalchemy import select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

FIELDS = ("title", "description")
"""Sources that count as gold (human or simulated-human corrections); they share one version chain."""
DISTANT = "distant"

SourceChoice = Literal["gold", "distant", "both"]


@dataclass(frozen=True)
class AnnotatedText:
    """One annotated text as training reads it; `source` is "gold" or "distant"."""

    listing_key: str
    field: str
    text: str
    spans: list[Span]
    source: str


def text_hash(text: str) -> str:
    """Content hash pinning a task to the exact text its offsets refer to."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_spans(spans: Iterable[Sequence[Any]]) -> list[Span]:
    """Spans as sorted `(start, end, label)` tuples (the canonical form stored and hashed)."""
    return sorted((int(s), int(e), str(label)) for s, e, label in spans)


def spans_hash(spans: Iterable[Sequence[Any]]) -> str:
    return hashlib.sha256(json.dumps(normalise_spans(spans)).encode("utf-8")).hexdigest()


def chain_of(source: str) -> str:
    """Version chain a source belongs to: all gold sources share one, others have their own."""
    return "gold" if source in GOLD_SOURCES else source


def listing_text(listing: Listing, field_name: str) -> str | None:
    if field_name not in FIELDS:
        raise ValueError(f"unknown field {field_name!r}; known: {', '.join(FIELDS)}")
    value = getattr(listing, field_name)
    return value if value and value.strip() else None


@dataclass
class TaskCounts:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped_empty: int = 0


def ensure_tasks(
    session: Session, fields: Sequence[str] = ("title",), listing_ids: Sequence[int] | None = None
) -> TaskCounts:
    """Create one task per listing and field; a text changed by a re-crawl updates its task.

    When the text changes, the old offsets no longer refer to it: its current annotations are retired
    (kept as history, `current=False`). Flushes but does not commit: the caller owns the transaction.
    """
    counts = TaskCounts()
    query = select(Listing).order_by(Listing.id)
    if listing_ids is not None:
        query = query.where(Listing.id.in_(list(listing_ids)))
    existing = {
        (t.listing_id, t.field): t
        for t in session.scalars(select(AnnotationTask).where(AnnotationTask.field.in_(list(fields))))
    }
    for listing in session.scalars(query):
        for field_name in fields:
            text = listing_text(listing, field_name)
            task = existing.get((listing.id, field_name))
            if text is None:
                counts.skipped_empty += 1
                continue
            digest = text_hash(text)
            if task is None:
                session.add(
                    AnnotationTask(listing_id=listing.id, field=field_name, text=text, text_hash=digest)
                )
                counts.created += 1
            elif task.text_hash != digest:
                log.info("listing %s %s changed: retiring its annotations", listing.item_id, field_name)
                for ann in session.scalars(
                    select(Annotation).where(Annotation.task_id == task.id, Annotation.current.is_(True))
                ):
                    ann.current = False
                task.text, task.text_hash = text, digest
                counts.changed += 1
            else:
                counts.unchanged += 1
    session.flush()
    return counts


def current_annotation(session: Session, task_id: int, chain: str) -> Annotation | None:
    """The annotation in force for a task in one chain ("gold", "distant", ...)."""
    sources = sorted(GOLD_SOURCES) if chain == "gold" else [chain]
    return session.scalars(
        select(Annotation)
        .where(Annotation.task_id == task_id, Annotation.current.is_(True), Annotation.source.in_(sources))
        .order_by(Annotation.imported_at.desc(), Annotation.id.desc())
    ).first()


StoreOutcome = Literal["added", "replaced", "unchanged", "older"]


def store_annotation(
    session: Session,
    task: AnnotationTask,
    spans: Iterable[Sequence[Any]],
    source: str,
    annotator: str | None = None,
    exported_at: datetime | None = None,
) -> StoreOutcome:
    """Make `spans` the current version of the task's chain, keeping the replaced one as history.

    Identical spans change nothing (re-imports are no-ops). An export older than the one in force is
    not applied ("older"): a stale file never silently overwrites a newer annotation. Without an
    export time, spans this chain already replaced count as older (a copy of an old export).
    """
    spans = normalise_spans(spans)
    digest = spans_hash(spans)
    current = current_annotation(session, task.id, chain_of(source))
    if current is not None:
        if current.spans_hash == digest:
            return "unchanged"
        if exported_at is not None:
            if current.exported_at is not None and _aware(exported_at) < _aware(current.exported_at):
                return "older"
        elif _was_replaced(session, task.id, source, digest):
            # No export time to compare (a plain JSONL): a version this chain already replaced is a
            # stale copy of an older export (`cp old.jsonl copy.jsonl`), never newer. File times lie.
            return "older"
        current.current = False
    session.add(
        Annotation(
            task_id=task.id,
            source=source,
            annotator=annotator,
            spans=[list(s) for s in spans],
            spans_hash=digest,
            current=True,
            exported_at=exported_at,
            imported_at=datetime.now(UTC),
        )
    )
    session.flush()
    return "added" if current is None else "replaced"


def _was_replaced(session: Session, task_id: int, source: str, digest: str) -> bool:
    """Whether these spans were once in force for the task in this chain and were replaced since."""
    sources = sorted(GOLD_SOURCES) if chain_of(source) == "gold" else [source]
    return (
        session.scalars(
            select(Annotation.id).where(
                Annotation.task_id == task_id,
                Annotation.current.is_(False),
                Annotation.source.in_(sources),
                Annotation.spans_hash == digest,
            )
        ).first()
        is not None
    )


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone columns: treat naive as UTC so they compare."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class DistantCounts:
    tasks: int = 0
    spans: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


Preannotator = Callable[[str, dict[str, Any], LabelSchema], list[Span]]


def store_distant(
    session: Session,
    schema: LabelSchema = DEFAULT_SCHEMA,
    fields: Sequence[str] = ("title",),
    preannotator: Preannotator | None = None,
) -> DistantCounts:
    """Pre-annotate every task from its listing's item specifics and store the spans as `distant`.

    Idempotent: unchanged pre-annotations add no rows. Flushes; the caller commits.
    """
    if preannotator is None:
        from carner.annotation.preannotate import preannotate as preannotator
    counts = DistantCounts()
    rows = session.execute(
        select(AnnotationTask, Listing.specifics)
        .join(Listing, AnnotationTask.listing_id == Listing.id)
        .where(AnnotationTask.field.in_(list(fields)))
        .order_by(AnnotationTask.id)
    )
    for task, specifics in rows:
        spans = preannotator(task.text, specifics or {}, schema)
        outcome = store_annotation(session, task, spans, DISTANT, annotator="preannotate")
        counts.tasks += 1
        counts.spans += len(spans)
        counts.outcomes[outcome] = counts.outcomes.get(outcome, 0) + 1
    return counts


def current_spans_by_task(
    session: Session, task_ids: Iterable[int] | None = None
) -> dict[int, dict[str, Span]]:
    """`{task_id: {"gold": spans, "distant": spans}}` for current annotations (newest gold wins)."""
    query = (
        select(Annotation).where(Annotation.current.is_(True)).order_by(Annotation.imported_at, Annotation.id)
    )
    if task_ids is not None:
        query = query.where(Annotation.task_id.in_(list(task_ids)))
    result: dict[int, dict[str, Any]] = {}
    for ann in session.scalars(query):
        result.setdefault(ann.task_id, {})[chain_of(ann.source)] = normalise_spans(ann.spans)
    return result


def iter_annotated_texts(
    session: Session, source: SourceChoice = "both", fields: Sequence[str] = ("title",)
) -> Iterator[AnnotatedText]:
    """Every task text with its spans in force: gold, distant, or gold where present else distant.

    Texts without an annotation of the asked kind are skipped. Order is stable (by task id) so dataset
    builds are reproducible.
    """
    if source not in ("gold", "distant", "both"):
        raise ValueError(f"source must be gold, distant or both, not {source!r}")
    chains = {"gold": ("gold",), "distant": ("distant",), "both": ("gold", "distant")}[source]
    annotations = current_spans_by_task(session)
    rows = session.execute(
        select(AnnotationTask.id, AnnotationTask.field, AnnotationTask.text, Listing.item_id)
        .join(Listing, AnnotationTask.listing_id == Listing.id)
        .where(AnnotationTask.field.in_(list(fields)))
        .order_by(AnnotationTask.id)
    )
    for task_id, field_name, text, item_id in rows:
        found = annotations.get(task_id, {})
        for chain in chains:
            if chain in found:
                yield AnnotatedText(item_id, field_name, text, list(found[chain]), chain)
                break
