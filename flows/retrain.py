"""`retrain_on_new_annotations`: rebuild the dataset and retrain when enough new gold has landed.

Started by the `retrain` deployment's trigger on `carner.annotations.imported` (see `flows/events.py`),
by hand, or on a schedule. It checks the database itself (gold since the last training) so a duplicate
or stale trigger does no work; `force=True` skips that check. New models are evaluated on the current
test split and promoted only when better (`training.registry`).
"""

from __future__ import annotations

from typing import Any

from carner.db.engine import open_session
from carner.flows.pipeline import DATASET_SOURCE, _settings, build_dataset, train_models
from carner.training.plan import TrainPlan
from prefect import flow, get_run_logger


def gold_since_last_training(db_url: str) -> tuple[int, str | None]:
    from carner.db import model_runs

    with open_session(db_url) as session:
        since = model_runs.last_training_at(session)
        return model_runs.count_gold_since(session, since), since.isoformat() if since else None


@flow(name="retrain-on-new-annotations", log_prints=True)
def retrain_on_new_annotations(
    min_new_gold: int | None = None,
    force: bool = False,
    trigger_event_id: str | None = None,
    dataset_source: str = DATASET_SOURCE,
    test_size: float | None = None,
    plan: TrainPlan | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Retrain (dataset → models → evaluation → promotion) when >= `min_new_gold` new gold annotations."""
    log = get_run_logger()
    settings = _settings(workdir, db_url)
    threshold = min_new_gold or settings.retrain_min_new_gold
    new_gold, since = gold_since_last_training(settings.database_url)
    log.info(
        "%d gold annotations since the last training (%s); threshold %d%s",
        new_gold,
        since or "never trained",
        threshold,
        f"; triggered by event {trigger_event_id}" if trigger_event_id else "",
    )
    if new_gold < threshold and not force:
        return {
            "retrained": False,
            "new_gold": new_gold,
            "threshold": threshold,
            "reason": "not enough new gold",
        }
    common = {"workdir": str(settings.workdir), "db_url": settings.database_url}
    split = (plan or TrainPlan()).dataset_config()
    dataset = build_dataset(
        source=dataset_source,
        test_size=split.test_size if test_size is None else test_size,
        seed=split.seed,
        **common,
    )
    trained = train_models(plan=plan, **common)
    return {
        "retrained": True,
        "new_gold": new_gold,
        "threshold": threshold,
        "dataset_id": dataset["dataset_id"],
        "promotions": trained["promotions"],
        "models": trained["models"],
    }
