"""Repository functions for `ModelRun`: record trained models, find the champion per kind, promote.

Promotion rule: a challenger replaces the champion of its kind only when its F1 on the *current* test
split is strictly higher than the champion's F1 on that same split. Callers pass the champion's F1 on
the current split (re-evaluated when the test split changed since the champion was trained), so this
module stays free of model code. Ties keep the champion: a retrain must earn its place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import Annotation, ModelRun

GOLD_SOURCES: tuple[str, ...] = ("doccano", "simulated")
"""Annotation sources that count as gold (human or the demo's simulated annotator)."""


@dataclass(frozen=True)
class PromotionDecision:
    """What a promotion check decided and why (kept small: it is a flow result and a log line)."""

    kind: str
    challenger_id: int
    challenger_f1: float | None
    champion_id: int | None
    champion_f1: float | None
    promoted: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def record_run(
    session: Session,
    *,
    kind: str,
    path: str,
    dataset_hash: str,
    metrics: dict[str, Any],
    f1: float | None,
    size_bytes: int | None = None,
    texts_per_s: float | None = None,
) -> ModelRun:
    """Store one trained and evaluated model (not champion yet); flushes so the id is known."""
    if not kind:
        raise ValueError("model run needs a kind")
    run = ModelRun(
        kind=kind,
        path=str(path),
        dataset_hash=dataset_hash,
        metrics=metrics,
        f1=f1,
        size_bytes=size_bytes,
        texts_per_s=texts_per_s,
        champion=False,
    )
    session.add(run)
    session.flush()
    return run


def champion(session: Session, kind: str) -> ModelRun | None:
    """The current champion of a model kind, or None."""
    return session.scalars(
        select(ModelRun)
        .where(ModelRun.kind == kind, ModelRun.champion.is_(True))
        .order_by(ModelRun.id.desc())
    ).first()


def champions(session: Session) -> dict[str, ModelRun]:
    """Champion per kind."""
    rows = session.scalars(select(ModelRun).where(ModelRun.champion.is_(True)).order_by(ModelRun.id)).all()
    return {row.kind: row for row in rows}


def list_runs(session: Session, kind: str | None = None, limit: int | None = None) -> list[ModelRun]:
    """Model runs, newest first, optionally of one kind."""
    query = select(ModelRun).order_by(ModelRun.created_at.desc(), ModelRun.id.desc())
    if kind:
        query = query.where(ModelRun.kind == kind)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query).all())


def promote(session: Session, run: ModelRun) -> None:
    """Make `run` the only champion of its kind."""
    session.execute(
        update(ModelRun)
        .where(ModelRun.kind == run.kind, ModelRun.id != run.id, ModelRun.champion.is_(True))
        .values(champion=False)
    )
    run.champion = True
    session.flush()


def promote_if_better(
    session: Session, challenger: ModelRun, champion_f1_now: float | None = None
) -> PromotionDecision:
    """Promote `challenger` when it beats its kind's champion on the current test split.

    `champion_f1_now` is the champion's F1 on the current test split; None means "use the stored F1",
    which is only right when the champion was evaluated on the same dataset (same `dataset_hash`).
    """
    current = champion(session, challenger.kind)
    if current is not None and current.id == challenger.id:
        return PromotionDecision(
            challenger.kind, challenger.id, challenger.f1, current.id, current.f1, False, "already champion"
        )
    if current is None:
        promote(session, challenger)
        return PromotionDecision(
            challenger.kind, challenger.id, challenger.f1, None, None, True, "no champion yet"
        )
    if champion_f1_now is None:
        if current.dataset_hash != challenger.dataset_hash:
            raise ValueError(
                f"champion #{current.id} ({current.kind}) was evaluated on dataset "
                f"{current.dataset_hash[:12]}, the challenger on {challenger.dataset_hash[:12]}: "
                "pass the champion's F1 on the current test split"
            )
        champion_f1_now = current.f1
    if challenger.f1 is None:
        return PromotionDecision(
            challenger.kind, challenger.id, None, current.id, champion_f1_now, False, "challenger has no F1"
        )
    promoted = champion_f1_now is None or challenger.f1 > champion_f1_now
    if promoted:
        promote(session, challenger)
    reason = (
        "higher F1 on the current test split"
        if promoted
        else "F1 not higher than the champion's on the current test split"
    )
    return PromotionDecision(
        challenger.kind, challenger.id, challenger.f1, current.id, champion_f1_now, promoted, reason
    )


def last_training_at(session: Session) -> datetime | None:
    """When the newest model run was recorded (None before the first training)."""
    return session.scalar(select(func.max(ModelRun.created_at)))


def count_gold_since(
    session: Session, since: datetime | None, sources: tuple[str, ...] = GOLD_SOURCES
) -> int:
    """Current gold annotations imported after `since` (all of them when `since` is None)."""
    query = select(func.count(Annotation.id)).where(
        Annotation.current.is_(True), Annotation.source.in_(sources)
    )
    if since is not None:
        query = query.where(Annotation.imported_at > since)
    return int(session.scalar(query) or 0)
