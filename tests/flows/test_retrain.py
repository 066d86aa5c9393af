"""The retrain path: new gold → dataset → training → evaluation on the current test split → promotion
only of a better challenger (baseline only, to stay fast; the rule is the same for every kind)."""

from __future__ import annotations

from carner.db.models import ModelRun
from carner.scraper.sandbox.generator import generate_listings
from carner.training.plan import TrainPlan
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session


def baseline_plan(epochs: int) -> TrainPlan:
    return TrainPlan(kinds=["baseline"], baseline_epochs=epochs, speed_texts=8)


def _champion(db_url: str) -> ModelRun:
    engine = create_engine(db_url)
    with Session(engine) as session:
        (champion,) = session.scalars(select(ModelRun).where(ModelRun.champion.is_(True))).all()
    engine.dispose()
    return champion


def test_retrain_promotes_better_challenger_only(
    prefect_harness, tmp_path, db_url, seed_listings, write_gold_jsonl
):
    from carner.flows.pipeline import import_annotations
    from carner.flows.retrain import retrain_on_new_annotations

    listings = generate_listings(120, seed=11)
    seed_listings(db_url, listings)
    common = {"workdir": str(tmp_path), "db_url": db_url, "min_new_gold": 20}

    import_annotations(file=str(write_gold_jsonl(tmp_path / "a.jsonl", listings[:80])), **common)
    first = retrain_on_new_annotations(plan=baseline_plan(1), **common)
    assert first["retrained"] and first["new_gold"] == 80
    (decision,) = first["promotions"]
    assert decision["promoted"] and decision["reason"] == "no champion yet"
    weak = _champion(db_url)

    # Nothing new since that training: the retrain does no work.
    idle = retrain_on_new_annotations(plan=baseline_plan(1), **common)
    assert idle == {"retrained": False, "new_gold": 0, "threshold": 20, "reason": "not enough new gold"}

    # New gold changes the test split: the champion is re-scored on it, and a better model wins.
    imported = import_annotations(file=str(write_gold_jsonl(tmp_path / "b.jsonl", listings[80:])), **common)
    assert imported["event"]["retrain_due"] is True
    better = retrain_on_new_annotations(plan=baseline_plan(12), **common)
    assert better["retrained"] and better["new_gold"] == 40
    (decision,) = better["promotions"]
    assert decision["champion_id"] == weak.id
    assert decision["champion_f1"] is not None and decision["champion_f1"] != weak.f1, "not re-scored"
    assert decision["promoted"], decision
    assert decision["challenger_f1"] > decision["champion_f1"]
    strong = _champion(db_url)
    assert strong.id == decision["challenger_id"] != weak.id

    # A worse challenger on the same data is recorded but does not replace the champion.
    worse = retrain_on_new_annotations(plan=baseline_plan(1), force=True, **common)
    (decision,) = worse["promotions"]
    assert not decision["promoted"], decision
    assert decision["challenger_f1"] <= decision["champion_f1"] == strong.f1
    assert _champion(db_url).id == strong.id

    from typer.testing import CliRunner

    from carner.cli import app

    listed = CliRunner().invoke(app, ["models", "--json", "--db", db_url])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count('"kind": "baseline"') == 3
    assert listed.output.count('"champion": true') == 1
