"""Recording trained models in the registry (`db.model_runs`), promoting, and naming models by kind.

Why here: every door (each `carner train ...` command, `carner train all`, the flows, the bench)
ends by calling `register_model`, so `carner models`, `report`, `evaluate`, `predict` and promotion
all see the same models whoever trained them. A model is named either by its directory or by its
kind: `resolve_model(db_url, "student-soft")` is that kind's champion, else its newest run.

Promotion compares on the *current* test split: a champion evaluated on another split (new gold
moved texts around) is evaluated again on the current one before deciding; one that no longer
loads cannot defend its title.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carner.db import model_runs
from carner.db.engine import open_session
from carner.training.identity import dataset_id, model_id
from carner.training.metrics import read_metrics
from carner.training.models import MODEL_LOADERS, foreign_kind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisteredModel:
    """A model as the registry holds it (plain values: safe to return from flows and tasks)."""

    id: int
    kind: str
    path: str
    dataset_id: str
    test_id: str | None
    model_id: str | None
    f1: float | None
    champion: bool


def _plain(run: Any) -> RegisteredModel:
    return RegisteredModel(
        run.id, run.kind, run.path, run.dataset_id, run.test_id, run.model_id, run.f1, run.champion
    )


def _record(session: Any, model_dir: Path, data_dir: Path | None) -> Any:
    m = read_metrics(model_dir)
    if m.kind not in MODEL_LOADERS:
        raise ValueError(f"{model_dir}/metrics.json: unknown model kind {m.kind!r}")
    trained_on = (m.raw.get("dataset") or {}).get("dataset_id")
    if trained_on is None and data_dir is not None:
        trained_on = dataset_id(data_dir)
    trained_on = trained_on or m.eval_data.get("dataset_id")
    return model_runs.record_run(
        session,
        kind=m.kind,
        path=str(Path(model_dir).resolve()),
        dataset_id=trained_on or "unknown",
        test_id=m.test_id,
        model_id=model_id(model_dir),
        metrics=m.raw,
        f1=m.f1 if m.evaluated else None,
        size_bytes=m.size_bytes,
        texts_per_s=m.texts_per_s,
    )


def _champion_f1_now(champion: Any, data_dir: Path, current_test: str, speed_texts: int) -> float:
    """The champion's F1 on the current test split (re-evaluated only when the split changed)."""
    if champion.test_id == current_test and champion.f1 is not None:
        return champion.f1
    from carner.training.evaluate import evaluate_on_dataset

    try:
        metrics = evaluate_on_dataset(champion.path, data_dir, speed_texts=speed_texts)
    except (OSError, ValueError, KeyError, ImportError) as exc:
        log.warning("champion #%s at %s could not be evaluated: %s", champion.id, champion.path, exc)
        return float("-inf")
    return float(metrics["f1"])


def _promote(session: Any, run: Any, data_dir: Path | None, speed_texts: int) -> dict[str, Any]:
    current = model_runs.champion(session, run.kind)
    if current is not None and current.id != run.id and not Path(current.path).exists():
        model_runs.promote(session, run)
        return {
            "kind": run.kind,
            "challenger_id": run.id,
            "challenger_f1": run.f1,
            "champion_id": current.id,
            "champion_f1": None,
            "promoted": True,
            "reason": "champion model missing on disk",
        }
    champion_f1 = None
    if current is not None and current.id != run.id and run.test_id and data_dir is not None:
        champion_f1 = _champion_f1_now(current, data_dir, run.test_id, speed_texts)
    decision = model_runs.promote_if_better(session, run, champion_f1).to_dict()
    if decision["champion_f1"] == float("-inf"):
        decision["champion_f1"] = None
        decision["reason"] = "champion could not be scored on the current test split"
    return decision


def register_model(
    db_url: str,
    model_dir: Path | str,
    *,
    data_dir: Path | str | None = None,
    promote: bool = False,
    speed_texts: int = 64,
) -> tuple[RegisteredModel, dict[str, Any] | None]:
    """Record a model directory (idempotent); with `promote`, promote it when it beats its champion.

    Returns the run and the promotion decision (None without `promote`, or when not evaluated).
    """
    data = Path(data_dir) if data_dir is not None else None
    with open_session(db_url) as session:
        run = _record(session, Path(model_dir), data)
        decision = None
        if promote and run.f1 is not None:
            decision = _promote(session, run, data, speed_texts)
            log.info(
                "%s: challenger #%s F1 %s vs champion %s F1 %s -> %s (%s)",
                run.kind,
                run.id,
                run.f1,
                decision["champion_id"],
                decision["champion_f1"],
                "PROMOTED" if decision["promoted"] else "kept champion",
                decision["reason"],
            )
        return _plain(run), decision


def resolve_model(db_url: str | None, ref: str | Path) -> Path:
    """A model directory from a reference (a clear FileNotFoundError naming `ref` otherwise):
    - a directory with a metrics.json: that model; a spaCy pipeline or HF token classifier: as is;
    - a model kind (`student-soft`): its champion in the registry, else its newest run;
    - a kind's home in the layout (`data/models/baseline`): the same, among the models under it
      (the registry's choice when it has one there, else the newest one on disk)."""
    path = Path(ref)
    if (path / "metrics.json").is_file():
        return path
    if path.is_dir() and path.name not in MODEL_LOADERS and foreign_kind(path) is not None:
        return path  # a spaCy pipeline or HF token classifier carner did not train
    if str(ref) in MODEL_LOADERS:
        run = _resolve_kind(db_url, str(ref))
        if run is None:
            raise FileNotFoundError(
                f"no {ref} model in the registry (train one first, e.g. `carner train all`)"
            )
        if not (Path(run.path) / "metrics.json").is_file():
            raise FileNotFoundError(f"{ref}: the registry's model #{run.id} is gone from disk ({run.path})")
        return Path(run.path)
    if path.is_dir() and path.name in MODEL_LOADERS:
        run = _resolve_kind(db_url, path.name)
        if run is not None and Path(run.path).parent == path.resolve() and Path(run.path).is_dir():
            return Path(run.path)
        inside = [p for p in path.iterdir() if (p / "metrics.json").is_file()]
        if inside:
            return max(inside, key=lambda p: (p / "metrics.json").stat().st_mtime)
    raise FileNotFoundError(
        f"{ref}: not a carner model directory (no metrics.json) nor a model kind ({', '.join(MODEL_LOADERS)})"
    )


def _resolve_kind(db_url: str | None, kind: str) -> RegisteredModel | None:
    if db_url is None or not registry_exists(db_url):
        return None
    with open_session(db_url) as session:
        found = model_runs.resolve(session, kind)
        return _plain(found) if found is not None else None


def registered_models(
    db_url: str, kind: str | None = None, limit: int | None = None
) -> list[RegisteredModel]:
    """Registered runs, newest first ([] when there is no database yet)."""
    if not registry_exists(db_url):
        return []
    with open_session(db_url) as session:
        return [_plain(r) for r in model_runs.list_runs(session, kind=kind, limit=limit)]


def current_model_dirs(db_url: str) -> list[Path]:
    """Every registered model still on disk, once per directory, oldest first (the report's rows)."""
    seen: dict[str, Path] = {}
    for run in reversed(registered_models(db_url)):
        if run.path not in seen and (Path(run.path) / "metrics.json").is_file():
            seen[run.path] = Path(run.path)
    return list(seen.values())


def registry_exists(db_url: str) -> bool:
    """False for a SQLite file that is not there (reading or evaluating must not create one)."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return True
    return Path(url.database).is_file()
