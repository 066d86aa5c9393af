"""Record evaluated models as `ModelRun`s and promote challengers that beat the champion.

The comparison is always made on the current test split: when the champion was evaluated on another
split (new gold moved texts around), it is evaluated again on the current one before deciding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task

from flows.tasks import db_session, evaluate_task, f1_of


def _champion_f1_now(champion: Any, data_dir: str, test_hash: str, speed_texts: int) -> float | None:
    """The champion's F1 on the current test split, re-evaluating only when the split changed."""
    if (champion.metrics or {}).get("test_hash") == test_hash:
        return champion.f1
    try:
        metrics = evaluate_task.fn(champion.path, data_dir, speed_texts, test_hash)
    except Exception as exc:  # a champion that no longer loads cannot defend its title
        get_run_logger().warning(
            "champion #%s at %s could not be evaluated: %s", champion.id, champion.path, exc
        )
        return None
    return f1_of(metrics)


@task(retries=1, retry_delay_seconds=5)
def record_and_promote_task(
    db_url: str,
    evaluations: dict[str, dict[str, Any]],
    dataset_hash: str,
    test_hash: str,
    data_dir: str,
    promote: bool = True,
    speed_texts: int = 64,
) -> list[dict[str, Any]]:
    """One `ModelRun` per evaluated model (reused when the same model on the same data is seen again),
    then the promotion decision per kind. Returns the decisions as dicts."""
    from db import model_runs
    from db.models import ModelRun

    log = get_run_logger()
    decisions: list[dict[str, Any]] = []
    with db_session(db_url) as session:
        for kind, metrics in evaluations.items():
            path = str(Path(metrics["model_dir"]).resolve())
            f1 = f1_of(metrics)
            stored = {**metrics, "test_hash": test_hash}
            run = (
                session.query(ModelRun)
                .filter_by(kind=kind, path=path, dataset_hash=dataset_hash)
                .order_by(ModelRun.id.desc())
                .first()
            )
            if run is None:
                run = model_runs.record_run(
                    session,
                    kind=kind,
                    path=path,
                    dataset_hash=dataset_hash,
                    metrics=stored,
                    f1=f1,
                    size_bytes=metrics.get("size_bytes"),
                    texts_per_s=_speed(metrics),
                )
            if not promote:
                continue
            current = model_runs.champion(session, kind)
            if current is not None and current.id != run.id and not Path(current.path).exists():
                log.warning("champion #%s (%s) is missing on disk: %s", current.id, kind, current.path)
                model_runs.promote(session, run)
                decision = {
                    "kind": kind,
                    "challenger_id": run.id,
                    "challenger_f1": f1,
                    "champion_id": current.id,
                    "champion_f1": None,
                    "promoted": True,
                    "reason": "champion model missing on disk",
                }
            else:
                champion_f1 = None
                if current is not None and current.id != run.id:
                    champion_f1 = _champion_f1_now(current, data_dir, test_hash, speed_texts)
                    if champion_f1 is None:
                        champion_f1 = float("-inf")  # champion cannot be scored now: anything beats it
                decision = model_runs.promote_if_better(session, run, champion_f1).to_dict()
                if decision["champion_f1"] == float("-inf"):
                    decision["champion_f1"] = None
                    decision["reason"] = "champion could not be scored on the current test split"
            log.info(
                "%s: challenger #%s F1 %s vs champion %s F1 %s -> %s (%s)",
                kind,
                decision["challenger_id"],
                _fmt(decision["challenger_f1"]),
                decision["champion_id"],
                _fmt(decision["champion_f1"]),
                "PROMOTED" if decision["promoted"] else "kept champion",
                decision["reason"],
            )
            decisions.append(decision)
    return decisions


def _speed(metrics: dict[str, Any]) -> float | None:
    for key in ("texts_per_s_batch64", "texts_per_s", "speed_batch64"):
        value = metrics.get(key)
        if isinstance(value, int | float):
            return float(value)
    speed = metrics.get("speed")
    if isinstance(speed, dict):
        for key in ("batch64", "texts_per_s_batch64", "64"):
            value = speed.get(key)
            if isinstance(value, int | float):
                return float(value)
    return None


def _fmt(value: float | None) -> str:
    return "-" if value is None or value == float("-inf") else f"{value:.4f}"
