"""The `pipeline` flow end to end on a small sandbox (every output written), the teacher-labelling
cache on a second run, and the retrain path's promotion rule — real flows on the session's Prefect."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from carner.db.models import Listing, ModelRun
from carner.training.plan import TrainPlan
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

N_LISTINGS = 60
# A title mix other than the default (as the demo's site uses): the simulated annotator must rebuild
# the very listings the site served, so the mix travels with the sandbox's count and seed.
MIX = {"stop": 0.1, "dealer": 0.3, "short": 0.1, "characteristics": 2.0}


def tiny_plan(bert: Path, **overrides) -> TrainPlan:
    """A plan that trains every kind for seconds: tiny BERT teacher, few epochs, 2 variants per text."""
    values = dict(
        bert=str(bert),
        baseline_epochs=3,
        teacher_epochs=2,
        augment_n_iter=2,
        student_epochs=2,
        soft_epochs=2,
        speed_texts=8,
    )
    values.update(overrides)
    return TrainPlan(**values)


@pytest.fixture(scope="module")
def pipeline_run(prefect_harness, tiny_bert, tmp_path_factory):
    """One pipeline run on a 60-listing sandbox; shared by the output and cache tests."""
    from carner.flows.pipeline import pipeline
    from carner.scraper.sandbox.server import SandboxServer

    workdir = tmp_path_factory.mktemp("pipeline")
    db_url = f"sqlite:///{workdir / 'carner.db'}"
    from carner.scraper.sandbox.generator import TitleMix

    with SandboxServer(n_listings=N_LISTINGS, seed=5, page_size=25, mix=TitleMix(**MIX)) as site:
        result = pipeline(
            queries=["cars"],
            max_pages=4,
            base_url=site.base_url,
            simulate_sandbox={"n_listings": N_LISTINGS, "seed": 5, "mix": MIX},
            plan=tiny_plan(tiny_bert),
            workdir=str(workdir),
            db_url=db_url,
            min_delay_s=0.0,
        )
    return workdir, db_url, result


def test_pipeline_writes_every_output(pipeline_run):
    workdir, db_url, result = pipeline_run
    assert "skipped" not in result  # a stage that fails fails the flow: nothing is filed as skipped
    assert set(result["seconds"]) >= {"scrape", "export", "simulate annotator", "import", "dataset", "train"}

    engine = create_engine(db_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count(Listing.id))) == N_LISTINGS
        runs = session.scalars(select(ModelRun)).all()
    engine.dispose()
    assert sorted(r.kind for r in runs) == ["baseline", "student-soft", "student-spacy", "teacher"]
    assert all(r.champion and r.f1 is not None and Path(r.path).is_dir() for r in runs)

    assert any((workdir / "raw").rglob("*")), "no raw pages kept"
    assert result["import"]["import"]["added"] > 0
    assert result["simulate"]["skipped_text_mismatch"] == 0 and result["simulate"]["lines"] > 0
    for name in ("text_train.npy", "labels_train.npy", "text_test.npy", "labels_test.npy"):
        arr = np.load(workdir / name, allow_pickle=False)
        assert arr.dtype.kind == "U" and len(arr) > 0
    assert (workdir / "dataset.json").is_file() and (workdir / "train.spacy").is_file()

    trained = result["train"]
    assert set(trained["models"]) == {"baseline", "teacher", "student-spacy", "student-soft"}
    for kind, path in trained["models"].items():
        metrics = json.loads((Path(path) / "metrics.json").read_text())
        assert metrics["kind"] == kind and "f1" in metrics and "per_label" in metrics
    for name in ("report.md", "report.json", "report.png"):
        assert (workdir / "reports" / name).stat().st_size > 0
    assert "| baseline" in trained["report_markdown"] or "baseline" in trained["report_markdown"]


def test_report_is_published_as_markdown_artifact(pipeline_run):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["carner-report"]))
        )
    assert artifacts and artifacts[0].type == "markdown"
    assert "student-soft" in artifacts[0].data


def test_second_run_reuses_cached_teacher_labelling(pipeline_run, tiny_bert):
    from carner.flows.pipeline import train_models

    workdir, db_url, first = pipeline_run
    assert set(first["train"]["cached"]) >= {"baseline", "teacher", "augment", "label", "eval:teacher"}
    assert not any(first["train"]["cached"].values())
    labelled = next((workdir / "labelled").iterdir())
    stamps = {p: p.stat().st_mtime_ns for p in labelled.rglob("*") if p.is_file()}
    assert stamps, "teacher labels were not written"

    again = train_models(plan=tiny_plan(tiny_bert), workdir=str(workdir), db_url=db_url)
    assert all(again["cached"].values()), again["cached"]  # every step unchanged: nothing ran
    assert {p: p.stat().st_mtime_ns for p in labelled.rglob("*") if p.is_file()} == stamps
    assert again["dataset_id"] == first["train"]["dataset_id"]
    assert again["models"] == first["train"]["models"]

    # Labels gone from disk: the cache entry is stale and the labelling is redone, not trusted.
    for path in stamps:
        path.unlink()
    third = train_models(
        plan=tiny_plan(tiny_bert, kinds=["student-spacy"]), workdir=str(workdir), db_url=db_url
    )
    assert third["cached"]["label"] is False and third["cached"]["teacher"] is True
    assert any(labelled.rglob("*"))
