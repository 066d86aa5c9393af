"""The model registry: every trained model, whichever door trained it, is one `ModelRun` row.

API (what commands, flows, the bench and the model server use):
- `record_run(...)`: store or update a model (idempotent on its directory + `model_id`);
- `champion(kind, task)` (the one function that chooses a champion) / `champions()`, `latest(kind)`,
  `resolve(kind)` (champion, else newest), `default_task(kind, data_home)`, `list_runs(kind=None)`,
  `find_by_path(path)`;
- `promote(run)`, `promote_if_better(challenger, champion_f1_now)`.

One champion per kind *and task*: a task is a label set and the data set a model was trained on
(`task_key`). A model of another data set registers beside the champion, in a task of its own.

Promotion rule: a challenger replaces the champion of its kind and task only when its F1 on the *current* test
split is strictly higher than the champion's F1 on that same split. Callers pass the champion's F1 on
the current split (re-evaluated when the test split changed since the champion was trained), so this
module stays free of model code. Ties keep the champion: a retrain must earn its place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
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


LEGACY_TASK = ""
"""The task of runs recorded without one (before tasks existed, or by hand): read as the workdir's own."""


class AmbiguousTaskError(LookupError):
    """A kind has champions in several tasks and nothing says which one is meant."""


def task_key(labels: Iterable[str], data_home: str | None) -> str:
    """The task a model competes in: its label set and the data set it was trained on (a directory).

    Two models compare only within one task; the data set is named by its directory, not its content,
    so the workdir's own data set stays one task while new gold changes its files.
    """
    blob = json.dumps([sorted(set(labels)), data_home], ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


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
    task: str = LEGACY_TASK,
    data_home: str | None = None,
) -> ModelRun:
    """Store one trained model; flushes so the id is known.

    Idempotent: the same directory with the same `model_id` is one run, whose metrics, F1 and
    `test_id` are updated (a re-evaluation is not a new model). Retrained files in the same
    directory (another `model_id`) are a new run. The data set and task are fixed when a run is first
    recorded: evaluating it on other data later never moves it to another task.
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
    if run is None:
        run = ModelRun(
            kind=kind,
            path=str(path),
            model_id=model_id,
            dataset_id=dataset_id,
            champion=False,
            task=task,
            data_home=data_home,
        )
        session.add(run)
    run.test_id = test_id
    run.metrics = metrics
    run.f1 = f1
    run.size_bytes = size_bytes
    run.texts_per_s = texts_per_s
    session.flush()
    return run


def default_task(session: Session, kind: str, data_home: str | None = None) -> str | None:
    """The task a kind names when none is given: the newest run's task on the data set at `data_home`
    (the workdir's own), else the runs recorded without a task, else the kind's only task.

    None when the kind has no run; `AmbiguousTaskError` when it has several tasks and none is the
    workdir's (pass the task, or the data set, explicitly).
    """
    if data_home is not None:
        own = session.scalar(
            select(ModelRun.task)
            .where(ModelRun.kind == kind, ModelRun.data_home == data_home)
            .order_by(ModelRun.id.desc())
            .limit(1)
        )
        if own is not None:
            return own
    found = list(session.scalars(select(ModelRun.task).where(ModelRun.kind == kind).distinct()))
    if not found:
        return None
    if LEGACY_TASK in found or len(found) == 1:
        return LEGACY_TASK if LEGACY_TASK in found else found[0]
    homes = sorted(
        {h or "?" for h in session.scalars(select(ModelRun.data_home).where(ModelRun.kind == kind))}
    )
    raise AmbiguousTaskError(
        f"{kind}: models of {len(found)} tasks (data sets {', '.join(homes)}) and none trained on "
        f"{data_home or 'the workdir'}: name the data set (--data DIR) or a model directory"
    )


def champion(
    session: Session, kind: str, task: str | None = None, *, data_home: str | None = None
) -> ModelRun | None:
    """The champion of a kind within one task: the one place a champion is chosen.

    `task` None: the kind's default task (`default_task`, following the data set at `data_home`).
    Every reader (predict, the server, the flows, promotion, `champions`) goes through here.
    """
    if task is None:
        task = default_task(session, kind, data_home)
        if task is None:
            return None
    return session.scalars(
        select(ModelRun)
        .where(ModelRun.kind == kind, ModelRun.task == task, ModelRun.champion.is_(True))
        .order_by(ModelRun.id.desc())
    ).first()


def champions(session: Session, *, data_home: str | None = None) -> dict[str, ModelRun]:
    """Champion per kind, each in its default task (a kind whose task is ambiguous is left out)."""
    found: dict[str, ModelRun] = {}
    for kind in sorted(set(session.scalars(select(ModelRun.kind).where(ModelRun.champion.is_(True))))):
        try:
            run = champion(session, kind, data_home=data_home)
        except AmbiguousTaskError:
            continue
        if run is not None:
            found[kind] = run
    return found


def latest(session: Session, kind: str, task: str | None = None) -> ModelRun | None:
    """The newest run of a model kind (within `task` when given), or None."""
    query = select(ModelRun).where(ModelRun.kind == kind)
    if task is not None:
        query = query.where(ModelRun.task == task)
    return session.scalars(query.order_by(ModelRun.id.desc())).first()


def resolve(
    session: Session, kind: str, task: str | None = None, *, data_home: str | None = None
) -> ModelRun | None:
    """What a kind names (`carner predict --model student-soft`): its champion in the task it follows,
    else that task's newest run."""
    if task is None:
        task = default_task(session, kind, data_home)
        if task is None:
            return None
    return champion(session, kind, task) or latest(session, kind, task)


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
    """Make `run` the only champion of its kind within its task (other tasks keep theirs)."""
    session.execute(
        update(ModelRun)
        .where(
            ModelRun.kind == run.kind,
            ModelRun.task == run.task,
            ModelRun.id != run.id,
            ModelRun.champion.is_(True),
        )
        .values(champion=False)
    )
    run.champion = True
    session.flush()


def promote_if_better(
    session: Session, challenger: ModelRun, champion_f1_now: float | None = None
) -> PromotionDecision:
    """Promote `challenger` when it beats the champion of its kind and task on the current test split.

    `champion_f1_now` is the champion's F1 on the current test split; None means "use the stored F1",
    which is only right when both were evaluated on the same test split (same `test_id`).
    """
    current = champion(session, challenger.kind, challenger.task)
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
