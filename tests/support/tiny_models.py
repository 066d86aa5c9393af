"""Two small, distinguishable spaCy models and a model registry holding them, for the serving tests.

Both are real baselines trained for a few seconds on sandbox titles: `make_only` saw only MAKE spans,
`make_year` saw MAKE and YEAR spans, so a served model's answer shows which one is in service (only
the second ever tags the year).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

TITLES = 160
EPOCHS = 8


@dataclass(frozen=True)
class TinyModels:
    make_only: Path
    make_year: Path
    titles: list[str]  # held-out sandbox titles, each with a MAKE and a YEAR in its gold


def train_tiny_models(root: Path, seed: int = 0) -> TinyModels:
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.baseline import SpacyTrainConfig, train_baseline
    from carner.training.npy_io import save_npy_dataset

    listings = generate_listings(TITLES + 40, seed=seed)
    train, held = listings[:TITLES], listings[TITLES:]
    out: dict[str, Path] = {}
    for name, keep in (("make_only", {"MAKE"}), ("make_year", {"MAKE", "YEAR"})):
        data = root / f"data-{name}"
        spans = [[list(s) for s in x.title_spans if s[2] in keep] for x in train]
        save_npy_dataset(data, ([x.title for x in train], spans), ([], []))
        cfg = SpacyTrainConfig(epochs=EPOCHS, seed=seed, overrides={"training.dropout": 0.1})
        train_baseline(data, root / name, cfg, evaluate=False)
        out[name] = root / name
    titles = [x.title for x in held if {"MAKE", "YEAR"} <= {s[2] for s in x.title_spans}]
    return TinyModels(out["make_only"], out["make_year"], titles)


def registry(db_url: str) -> Any:
    """An up-to-date (migrated) database at `db_url`; returns a session factory."""
    from carner.db.engine import make_engine, session_factory, upgrade

    upgrade(db_url)
    return session_factory(make_engine(db_url))


def record_and_promote(
    sessions: Any, model_dir: Path, f1: float, dataset_id: str = "tiny", kind: str = "baseline"
) -> int:
    """Record `model_dir` as a run of `kind` and make it that kind's champion (what a promotion does)."""
    from carner.db import model_runs

    with sessions() as session:
        run = model_runs.record_run(
            session,
            kind=kind,
            path=str(model_dir),
            dataset_id=dataset_id,
            metrics={"f1": f1, "model_dir": str(model_dir)},
            f1=f1,
        )
        model_runs.promote(session, run)
        session.commit()
        return run.id
