"""`db.model_runs`: recording runs, one champion per kind, promotion only on a strictly higher F1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from carner.db import model_runs
from carner.db.models import Annotation, AnnotationTask, Base, Listing, ModelRun
from sqlalchemy import create_engine
from sqlalchemy.orm import Session


@pytest.fixture
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'runs.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def _run(session, kind="baseline", f1=0.5, test_id="t1"):
    return model_runs.record_run(
        session,
        kind=kind,
        path=f"/models/{kind}-{f1}",
        dataset_id="d-" + test_id,
        test_id=test_id,
        metrics={"f1": f1},
        f1=f1,
    )


def test_first_run_becomes_champion_then_only_a_better_one_replaces_it(session):
    first = _run(session, f1=0.60)
    decision = model_runs.promote_if_better(session, first)
    assert decision.promoted and decision.reason == "no champion yet"
    assert model_runs.champion(session, "baseline").id == first.id

    worse = _run(session, f1=0.55)
    decision = model_runs.promote_if_better(session, worse)
    assert not decision.promoted and decision.champion_f1 == pytest.approx(0.60)
    assert model_runs.champion(session, "baseline").id == first.id

    tie = _run(session, f1=0.60)
    assert not model_runs.promote_if_better(session, tie).promoted

    better = _run(session, f1=0.70)
    decision = model_runs.promote_if_better(session, better)
    assert decision.promoted and decision.champion_id == first.id
    assert model_runs.champion(session, "baseline").id == better.id
    assert session.query(ModelRun).filter_by(kind="baseline", champion=True).count() == 1


def test_champions_are_per_kind(session):
    base = _run(session, "baseline", 0.5)
    teacher = _run(session, "teacher", 0.9)
    model_runs.promote_if_better(session, base)
    model_runs.promote_if_better(session, teacher)
    assert {k: r.id for k, r in model_runs.champions(session).items()} == {
        "baseline": base.id,
        "teacher": teacher.id,
    }


def test_changed_test_split_needs_the_champion_re_evaluated(session):
    old = _run(session, f1=0.9, test_id="old")
    model_runs.promote_if_better(session, old)
    challenger = _run(session, f1=0.7, test_id="new")
    with pytest.raises(ValueError, match="current test split"):
        model_runs.promote_if_better(session, challenger)
    # On the new split the champion only reaches 0.65: the challenger wins although 0.7 < 0.9.
    decision = model_runs.promote_if_better(session, challenger, champion_f1_now=0.65)
    assert decision.promoted and decision.champion_f1 == pytest.approx(0.65)


def test_gold_counted_since_last_training(session):
    listing = Listing(item_id="123456789012", url="u", title="2015 Ford F-150")
    task = AnnotationTask(listing=listing, field="title", text=listing.title, text_hash="h")
    session.add_all([listing, task])
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    for i, source in enumerate(["doccano", "distant", "simulated", "doccano"]):
        session.add(
            Annotation(
                task=task, source=source, spans=[], spans_hash=str(i), imported_at=t0 + timedelta(days=i)
            )
        )
    session.flush()
    assert model_runs.last_training_at(session) is None
    assert model_runs.count_gold_since(session, None) == 3
    assert model_runs.count_gold_since(session, t0 + timedelta(hours=12)) == 2
    _run(session)
    assert model_runs.last_training_at(session) is not None
    assert model_runs.count_gold_since(session, model_runs.last_training_at(session)) == 0


def test_record_is_idempotent_per_model_files_and_a_kind_resolves_to_champion_else_newest(session):
    def record(model_id, f1, test_id="t1"):
        return model_runs.record_run(
            session,
            kind="student-soft",
            path="/m/soft",
            dataset_id="d",
            test_id=test_id,
            model_id=model_id,
            metrics={},
            f1=f1,
        )

    first = record("m1", 0.5)
    again = record("m1", 0.6, test_id="t2")  # re-evaluated on another split: same run, new figures
    assert again.id == first.id and again.f1 == 0.6 and again.test_id == "t2"
    retrained = record("m2", 0.4)  # other files in the same directory: a new run
    assert retrained.id != first.id
    assert model_runs.champion(session, "student-soft") is None
    assert model_runs.resolve(session, "student-soft").id == retrained.id  # no champion: the newest
    model_runs.promote(session, first)
    assert model_runs.resolve(session, "student-soft").id == first.id
    assert model_runs.latest(session, "student-soft").id == retrained.id
    assert model_runs.resolve(session, "teacher") is None


def test_migration_0002_keeps_existing_runs(tmp_path):
    from carner.db.engine import make_engine, upgrade
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    assert upgrade(url, "0001_initial") == "0001_initial"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO model_run (kind, path, dataset_hash, metrics, f1, champion, created_at) "
                "VALUES ('baseline', '/m/b', 'abc', '{}', 0.5, 1, '2025-01-01 00:00:00')"
            )
        )
    assert upgrade(url) == "0004_model_tasks"
    with Session(engine) as s:
        run = model_runs.champion(s, "baseline")
        assert run.dataset_id == "abc" and run.test_id is None and run.f1 == 0.5
    engine.dispose()
