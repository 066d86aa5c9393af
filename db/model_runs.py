"""The model registry: every trained model, whichever door trained it, is one `ModelRun` row.

API (what commands, flows, the bench and the model server use):
- `record_run(...)`: store or update a model (idempotent on its directory + `model_id`);
- `champion(kind)` / `champions()`, `latest(kind)`, `resolve(kind)` (champion, else newest),
  `list_runs(kind=None)`, `find_by_path(path)`;
- `promote(run)`, `promote_if_better(challenger, champion_f1_now)`.

Promotion rule: a challenger replaces the champion of its kind only when its F1 on the *current* test
split is strictly higher than the champion's F1 on that same split. Callers pass the champion's F1 on
the current split (re-evaluated when the test split changed since the champion was trained), so this
module stays free of model code. Ties keep the champion: a retrain must earn its place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from carner.db.models import GOLD_SOURCES, Annotation, ModelRun
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session


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
    dataset_id: str,
    metrics: dict[str, Any],
    f1: float | None,
    test_id: str | None = None,
    model_id: str | None = None,
    size_bytes: int | None = None,
    texts_per_s: float | None = None,
) -> ModelRun:
    """Store one trained model; flushes so the id is known.

    Idempotent: the same directory with the same `model_id` is one run, whose metrics, F1 and
    `test_id` are updated (a re-evaluation is not a new model). Retrained files in the same
    directory (another `model_id`) are a new run.
    """
    if not kind:
        raise ValueError("model run needs a kind")
    run = None
    if model_id is not None:
        run = session.scalars(
            select(ModelRun)
            .where(ModelRun.path == str(path), ModelRun.model_id == model_id, ModelRun.kind == kind)
            .order_by(ModelRun.id.desc())
        ).first()
    if run is None:  # the dataset a model was trained on is fixed when it is first recorded
        run = ModelRun(kind=kind, path=str(path), model_id=model_id, dataset_id=dataset_id, champion=False)
        session.add(run)
    run.test_id = test_id
    run.metrics = metrics
    run.f1 = f1
    run.size_bytes = size_bytes
    run.texts_per_s = texts_per_s
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


def latest(session: Session, kind: str) -> ModelRun | None:
    """The newest run of a model kind, or None."""
    return session.scalars(select(ModelRun).where(ModelRun.kind == kind).order_by(ModelRun.id.desc())).first()


def resolve(session: Session, kind: str) -> ModelRun | None:
    """What a kind names (`carner predict --model student-soft`): its champion, else its newest run."""
    return champion(session, kind) or latest(session, kind)


def find_by_path(session: Session, path: str) -> ModelRun | None:
    """The newest run recorded for a model directory (an absolute path), or None."""
    return session.scalars(
        select(ModelRun).where(ModelRun.path == str(path)).order_by(ModelRun.id.desc())
    ).first()


def list_runs(session: Session, kind: str | None = None, limit: int | None = None) -> list[ModelRun]:
    """Model runs, newest first, optionally of one kind."""
    query = select(ModelRun).order_by(ModelRun.id.desc())
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
    which is only right when both were evaluated on the same test split (same `test_id`).
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
        if current.test_id != challenger.test_id:
            raise ValueError(
                f"champion #{current.id} ({current.kind}) was evaluated on test split "
                f"{current.test_id}, the challenger on {challenger.test_id}: "
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
    session: Session, since: datetime | None, sources: frozenset[str] | tuple[str, ...] = GOLD_SOURCES
) -> int:
    """Current gold annotations imported after `since` (all of them when `since` is None)."""
    query = select(func.count(Annotation.id)).where(
        Annotation.current.is_(True), Annotation.source.in_(sorted(sources))
    )
    if since is not None:
        query = query.where(Annotation.imported_at > since)
    return int(session.scalar(query) or 0)
