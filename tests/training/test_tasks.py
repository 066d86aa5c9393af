"""One champion per task (label set + data set): a model trained on another data set registers beside
the workdir's champion and never replaces it, never rewrites its metrics.json; `predict --model KIND`
follows the workdir's own data set; `models/<kind>/champion` opens the champion."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carner.cli import app
from tests.training.conftest import write_npy_dataset

NPY = ("text_train.npy", "labels_train.npy", "text_test.npy", "labels_test.npy")


@pytest.fixture
def workdir(tmp_path: Path, tiny_dataset_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    for name in (*NPY, "dataset.json"):
        if (tiny_dataset_dir / name).exists():
            shutil.copy(tiny_dataset_dir / name, work / name)
    monkeypatch.setenv("CARNER_WORKDIR", str(work))
    monkeypatch.delenv("CARNER_DB_URL", raising=False)
    return work


def train(*args: str) -> str:
    result = CliRunner().invoke(app, ["train", "baseline", "--epochs", "2", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_model_of_another_data_set_never_takes_the_champion(workdir: Path, tmp_path: Path) -> None:
    out = train()
    assert "champion (no champion yet)" in out
    link = workdir / "models" / "baseline" / "champion"
    assert link.is_symlink() and (link / "metrics.json").is_file()
    champion_dir = link.resolve()
    champion_metrics = (champion_dir / "metrics.json").read_bytes()
    import spacy

    assert "ner" in spacy.load(link).pipe_names  # the stable path opens as a model

    foo = [("Toyota Camry LE 2015", [[0, 6, "FOO"]]), ("Ford Focus ST", [[0, 4, "FOO"]])] * 6
    foreign = write_npy_dataset(tmp_path / "foreign", foo, foo[:4])
    out = train("--data", str(foreign), "--seed", "1")
    assert "registered baseline" in out and "no champion yet" in out  # its own task

    assert link.resolve() == champion_dir  # the stable path still opens the workdir's champion
    assert (champion_dir / "metrics.json").read_bytes() == champion_metrics  # never rewritten
    predicted = CliRunner().invoke(app, ["predict", "--model", "baseline", "--json", "Toyota Camry LE"])
    assert predicted.exit_code == 0, predicted.output
    spans = json.loads(predicted.output.strip().splitlines()[-1])["spans"]
    assert all(label != "FOO" for _, _, label in spans)
    plain = CliRunner().invoke(app, ["predict", "--model", "baseline", "Toyota Camry LE"])
    assert f"baseline: {champion_dir} (models trained on {workdir.resolve()})" in plain.stderr

    # the foreign task is still reachable by naming its data set
    named = CliRunner().invoke(
        app, ["predict", "--model", "baseline", "--data", str(foreign), "--json", "Toyota Camry LE"]
    )
    assert named.exit_code == 0, named.output
    assert {label for _, _, label in json.loads(named.output.strip().splitlines()[-1])["spans"]} <= {"FOO"}

    # evaluating on the workdir's data set by default leaves the other data set's model alone
    foreign_dir = next(
        p for p in link.parent.iterdir() if p.is_dir() and p != champion_dir and not p.is_symlink()
    )
    foreign_metrics = (foreign_dir / "metrics.json").read_bytes()
    evaluated = CliRunner().invoke(app, ["evaluate", "--no-speed"])
    assert evaluated.exit_code == 0, evaluated.output
    assert str(champion_dir) in evaluated.output and str(foreign_dir) not in evaluated.output
    assert (foreign_dir / "metrics.json").read_bytes() == foreign_metrics
    listed = CliRunner().invoke(app, ["models", "--json"])
    homes = {json.loads(line)["data_set"] for line in listed.output.splitlines() if line.startswith("{")}
    assert homes == {str(workdir.resolve()), str(foreign.resolve())}

    # a retrain on the workdir's own data set competes with the champion (same task)
    out = train("--seed", "2")
    assert "no champion yet" not in out and "champion" in out


def test_champion_choice_is_per_task_in_the_registry(tmp_path: Path) -> None:
    from carner.db import model_runs
    from carner.db.engine import open_session, sqlite_url

    url = sqlite_url(tmp_path / "carner.db")
    with open_session(url) as session:
        own = model_runs.task_key(["MAKE", "MODEL"], "/w")
        other = model_runs.task_key(["FOO"], "/elsewhere")
        assert own != other and own == model_runs.task_key(["MODEL", "MAKE", "MAKE"], "/w")
        a = model_runs.record_run(
            session,
            kind="baseline",
            path="/w/a",
            dataset_id="d1",
            metrics={},
            f1=0.9,
            task=own,
            data_home="/w",
        )
        assert model_runs.promote_if_better(session, a).promoted
        b = model_runs.record_run(
            session, kind="baseline", path="/x/b", dataset_id="d2", metrics={}, f1=0.99, task=other,
            data_home="/elsewhere",
        )  # fmt: skip
        decision = model_runs.promote_if_better(session, b)
        assert decision.promoted and decision.reason == "no champion yet"  # beside, not instead
        assert model_runs.champion(session, "baseline", data_home="/w").id == a.id
        assert model_runs.champion(session, "baseline", data_home="/elsewhere").id == b.id
        assert session.get(type(a), a.id).champion  # the workdir's champion kept its title
        with pytest.raises(model_runs.AmbiguousTaskError, match="2 tasks"):
            model_runs.champion(session, "baseline", data_home="/nowhere")
        assert model_runs.champions(session, data_home="/w")["baseline"].id == a.id


def test_runs_recorded_before_tasks_join_their_task(tmp_path: Path, tiny_baseline_dir: Path) -> None:
    """An upgraded registry: the old champion (no task) meets the first model of its own data set."""
    from carner.db import model_runs
    from carner.db.engine import open_session, sqlite_url
    from carner.training.registry import data_home, register_model

    url = sqlite_url(tmp_path / "carner.db")
    metrics = json.loads((tiny_baseline_dir / "metrics.json").read_text(encoding="utf-8"))
    home = (metrics.get("dataset") or {}).get("dir")
    old_dir = shutil.copytree(tiny_baseline_dir, tmp_path / "old")
    with open_session(url) as session:
        old = model_runs.record_run(
            session, kind="baseline", path=str(old_dir), dataset_id="d", metrics=metrics, f1=2.0,
            test_id=metrics["eval_data"]["test_id"],
        )  # fmt: skip
        model_runs.promote(session, old)
        assert old.task == model_runs.LEGACY_TASK
    run, decision = register_model(url, tiny_baseline_dir, data_dir=home, promote=True)
    assert decision is not None and not decision["promoted"] and decision["champion_f1"] == 2.0
    assert run.data_home == data_home(home) and os.path.isdir(home)
