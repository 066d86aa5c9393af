"""Recording trained models in the registry (`db.model_runs`), promoting, and naming models by kind.

Why here: every door (each `carner train ...` command, `carner train all`, the flows, the bench)
ends by calling `register_model`, so `carner models`, `report`, `evaluate`, `predict` and promotion
all see the same models whoever trained them. A model is named either by its directory or by its
kind: `resolve_model(db_url, "student-soft")` is that kind's champion, else its newest run.

One champion per kind *and task* (`db.model_runs.task_key`: the label set and the data set a model
was trained on). A model trained on another data set registers beside the workdir's champion, in a
task of its own; readers follow the workdir's own data set unless told otherwise (`data_dir`).

Promotion compares on the *current* test split: a champion evaluated on another split of its own data
set (new gold moved texts around) is scored again on the current one before deciding, without touching
its files; one that no longer loads cannot defend its title.

The champion of the workdir's own data set also has a stable path per kind,
`<workdir>/models/<kind>/champion` (a symlink replaced atomically at each promotion), that `spacy.load`
or `from_pretrained` can open.
"""

from __future__ import annotations

import logging
import os
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
    task: str = ""
    data_home: str | None = None


def _plain(run: Any) -> RegisteredModel:
    return RegisteredModel(
        run.id,
        run.kind,
        run.path,
        run.dataset_id,
        run.test_id,
        run.model_id,
        run.f1,
        run.champion,
        run.task,
        run.data_home,
    )


CHAMPION_LINK = "champion"


def data_home(data_dir: Path | str | None) -> str | None:
    """How a data set is named in the registry: its resolved directory (None: unknown)."""
    return str(Path(data_dir).expanduser().resolve()) if data_dir is not None else None


def _trained_dir(metrics: dict[str, Any], data_dir: Path | None) -> Path | None:
    """The data set a model was trained on: what its metrics.json records of its training, else the
    one given (the door that trained it), else the one it was evaluated on."""
    trained = (metrics.get("dataset") or {}).get("dir")
    if isinstance(trained, str) and trained:
        return Path(trained)
    if data_dir is not None:
        return data_dir
    found = (metrics.get("eval_data") or {}).get("dir")
    return Path(found) if isinstance(found, str) and found else None


def _labels(metrics: dict[str, Any], data_dir: Path | None) -> list[str]:
    """The label schema a model answers to (its task's label half)."""
    labels = metrics.get("labels")
    if not (isinstance(labels, list) and labels) and data_dir is not None:
        from carner.training.dataset import read_manifest

        try:
            manifest = read_manifest(data_dir) or {}
        except (OSError, ValueError):
            manifest = {}
        labels = manifest.get("labels") or []
    return _schema([str(x) for x in labels or []])


def _schema(labels: list[str]) -> list[str]:
    """carner's own schema for labels that are all carner's: a data set that grows into a label it had
    not met yet (the first FUEL span) stays one task, so its new models meet the champion; any other
    label set (a doccano project's own labels) is a schema of its own."""
    from carner.annotation.labels import LABELS

    return list(LABELS) if labels and set(labels) <= set(LABELS) else labels


def _record(session: Any, model_dir: Path, data_dir: Path | None) -> Any:
    m = read_metrics(model_dir)
    if m.kind not in MODEL_LOADERS:
        raise ValueError(f"{model_dir}/metrics.json: unknown model kind {m.kind!r}")
    trained_on = (m.raw.get("dataset") or {}).get("dataset_id")
    if trained_on is None and data_dir is not None:
        trained_on = dataset_id(data_dir)
    trained_on = trained_on or m.eval_data.get("dataset_id")
    home_dir = _trained_dir(m.raw, data_dir)
    home = data_home(home_dir)
    task = model_runs.task_key(_labels(m.raw, home_dir), home)
    _adopt_legacy(session, m.kind, task, home)
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
        task=task,
        data_home=home,
    )


def _adopt_legacy(session: Any, kind: str, task: str, home: str | None) -> None:
    """Runs recorded before tasks existed join the task their metrics say they belong to (same label
    set, same data set), so the first model registered after an upgrade meets the old champion."""
    for run in model_runs.list_runs(session, kind=kind):
        if run.task != model_runs.LEGACY_TASK:
            continue
        metrics = dict(run.metrics or {})
        old_dir = _trained_dir(metrics, None)
        if old_dir is None or data_home(old_dir) != home:
            continue
        if model_runs.task_key(_labels(metrics, old_dir), home) == task:
            run.task, run.data_home = task, home


def _champion_f1_now(champion: Any, data_dir: Path, current_test: str, speed_texts: int) -> float:
    """The champion's F1 on the current test split (re-evaluated only when the split changed)."""
    if champion.test_id == current_test and champion.f1 is not None:
        return champion.f1
    from carner.training.evaluate import evaluate_model
    from carner.training.models import load_model
    from carner.training.npy_io import load_npy_dataset

    try:  # scored only: the champion's own metrics.json is never rewritten by another model's door
        ds = load_npy_dataset(data_dir)
        metrics = evaluate_model(
            load_model(champion.path), ds.test_texts, ds.test_spans, ds.labels, speed=False
        )
    except (OSError, ValueError, KeyError, ImportError) as exc:
        log.warning("champion #%s at %s could not be evaluated: %s", champion.id, champion.path, exc)
        return float("-inf")
    return float(metrics["f1"])


def _promote(session: Any, run: Any, data_dir: Path | None, speed_texts: int) -> dict[str, Any]:
    current = model_runs.champion(session, run.kind, run.task)
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
        plain = _plain(run)
    if plain.champion:  # committed: now the stable path may follow
        point_champion(plain)
    return plain, decision


def resolve_model(db_url: str | None, ref: str | Path, data_dir: Path | str | None = None) -> Path:
    """A model directory from a reference (a clear FileNotFoundError naming `ref` otherwise):
    - a directory with a metrics.json: that model; a spaCy pipeline or HF token classifier: as is;
    - a model kind (`student-soft`): its champion in the task it follows (the data set `data_dir`,
      default the workdir's own), else that task's newest run;
    - a kind's home in the layout (`data/models/baseline`): the same, among the models under it
      (the registry's choice when it has one there, else the newest one on disk)."""
    path = Path(ref)
    if (path / "metrics.json").is_file():
        return path
    if path.is_dir() and path.name not in MODEL_LOADERS and foreign_kind(path) is not None:
        return path  # a spaCy pipeline or HF token classifier carner did not train
    if str(ref) in MODEL_LOADERS:
        run = _resolve_kind(db_url, str(ref), data_dir)
        if run is None:
            raise FileNotFoundError(
                f"no {ref} model in the registry (train one first, e.g. `carner train all`)"
            )
        if not (Path(run.path) / "metrics.json").is_file():
            raise FileNotFoundError(f"{ref}: the registry's model #{run.id} is gone from disk ({run.path})")
        return Path(run.path)
    if path.is_dir() and path.name in MODEL_LOADERS:
        run = _resolve_kind(db_url, path.name, data_dir)
        if run is not None and Path(run.path).parent == path.resolve() and Path(run.path).is_dir():
            return Path(run.path)
        inside = [p for p in path.iterdir() if (p / "metrics.json").is_file() and not p.is_symlink()]
        if inside:
            return max(inside, key=lambda p: (p / "metrics.json").stat().st_mtime)
    raise FileNotFoundError(
        f"{ref}: not a carner model directory (no metrics.json) nor a model kind ({', '.join(MODEL_LOADERS)})"
    )


def workdir_data(db_url: str | None) -> Path | None:
    """The workdir's own data set for a registry URL: a SQLite file's folder (its layout keeps the
    npy files beside `carner.db`); None for a server database (the caller names the data set)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not db_url:
        return None
    try:
        url = make_url(db_url)
    except ArgumentError:
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).parent


def champion_of(
    db_url: str, kind: str, data_dir: Path | str | None = None, *, or_newest: bool = False
) -> RegisteredModel | None:
    """The champion a kind names: in the task of the data set `data_dir` (default: the workdir's own);
    with `or_newest`, that task's newest run when it has no champion. The registry's one entry point for
    predict, the model server and the flows. Raises `LookupError` when the task is ambiguous."""
    if not registry_exists(db_url):
        return None
    home = data_home(data_dir if data_dir is not None else workdir_data(db_url))
    with open_session(db_url) as session:
        if or_newest:
            found = model_runs.resolve(session, kind, data_home=home)
        else:
            found = model_runs.champion(session, kind, data_home=home)
        return _plain(found) if found is not None else None


def champions_of(db_url: str, data_dir: Path | str | None = None) -> dict[str, RegisteredModel]:
    """Champion per kind in the task each kind follows for the data set `data_dir` (default: workdir's)."""
    if not registry_exists(db_url):
        return {}
    home = data_home(data_dir if data_dir is not None else workdir_data(db_url))
    with open_session(db_url) as session:
        return {k: _plain(r) for k, r in model_runs.champions(session, data_home=home).items()}


def task_label(run: RegisteredModel) -> str:
    """How a command names the task it follows: labels are in the model; the data set by directory."""
    return f"task {run.task or 'of the workdir (recorded before tasks)'}, data set {run.data_home or '?'}"


def point_champion(run: Any) -> Path | None:
    """Point `<workdir>/models/<kind>/champion` at a promoted model of the workdir's own data set.

    A symlink made beside and renamed over the old one (atomic: readers see the old or the new
    champion, never none). Models outside that layout, or trained on another data set, get none.
    """
    model_dir = Path(run.path)
    kind_dir = model_dir.parent
    if kind_dir.name != run.kind or kind_dir.parent.name != "models":
        return None
    workdir = kind_dir.parent.parent
    if run.data_home is not None and run.data_home != data_home(workdir):
        return None
    link = kind_dir / CHAMPION_LINK
    if link.exists() and not link.is_symlink():
        log.warning("%s is not a symlink: left alone (the champion is %s)", link, model_dir)
        return None
    tmp = kind_dir / f".{CHAMPION_LINK}.{os.getpid()}.tmp"
    try:
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(model_dir.name, tmp, target_is_directory=True)
        os.replace(tmp, link)
    except OSError as exc:
        log.warning("could not point %s at %s: %s", link, model_dir, exc)
        return None
    return link


def _resolve_kind(
    db_url: str | None, kind: str, data_dir: Path | str | None = None
) -> RegisteredModel | None:
    if db_url is None:
        return None
    try:
        return champion_of(db_url, kind, data_dir, or_newest=True)
    except LookupError as exc:
        raise FileNotFoundError(str(exc)) from None


def registered_models(
    db_url: str, kind: str | None = None, limit: int | None = None
) -> list[RegisteredModel]:
    """Registered runs, newest first ([] when there is no database yet)."""
    if not registry_exists(db_url):
        return []
    with open_session(db_url) as session:
        return [_plain(r) for r in model_runs.list_runs(session, kind=kind, limit=limit)]


def current_model_dirs(db_url: str, data_dir: Path | str | None = None) -> list[Path]:
    """Every registered model still on disk, once per directory, oldest first (the report's rows).

    With `data_dir`, only the models trained on that data set (and those recorded before tasks): what
    `carner evaluate` re-scores by default, so evaluating on one data set never rewrites the figures of
    models of another."""
    home = data_home(data_dir) if data_dir is not None else None
    seen: dict[str, Path] = {}
    for run in reversed(registered_models(db_url)):
        if home is not None and run.data_home not in (None, home):
            continue
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
