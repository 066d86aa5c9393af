"""One chain, one registry, one layout: whichever door trains, every command sees the same models.

Real training at tiny scale (a 2-layer BERT teacher, an epoch or two), real Prefect flows on the
session's temporary server, real SQLite registries, the real CLI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from carner.training.plan import MODEL_KINDS, TrainPlan
from typer.testing import CliRunner

N_LISTINGS = 60


def _dataset(out: Path) -> Path:
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.dataset import build_dataset, records_from_listings

    build_dataset(records_from_listings(generate_listings(N_LISTINGS, 5)), out, test_size=0.5, seed=5)
    return out


def tiny_plan(bert: Path, **overrides) -> TrainPlan:
    values = dict(
        bert=str(bert),
        baseline_epochs=2,
        teacher_epochs=1,
        augment_n_iter=1,
        student_epochs=1,
        soft_epochs=1,
        speed_texts=4,
        threads=1,
    )
    return TrainPlan(**{**values, **overrides})


def cli(workdir: Path, *args: str):
    from carner.cli import app

    result = CliRunner().invoke(app, list(args), env={"CARNER_WORKDIR": str(workdir)})
    assert result.exit_code == 0, result.output
    return result.output


def _drop_last_test_text(data_dir: Path) -> None:
    for name in ("text_test.npy", "labels_test.npy"):
        arr = np.load(data_dir / name, allow_pickle=False)
        np.save(data_dir / name, arr[:-1], allow_pickle=False)


def test_cli_then_flow_on_one_workdir_share_registry_report_and_names(
    prefect_harness, tiny_bert, tmp_path
) -> None:
    from carner.flows.pipeline import train_models

    workdir = _dataset(tmp_path / "work")
    out = cli(workdir, "train", "baseline", "--epochs", "3")  # the flow's plan says 2: another model
    assert "registered baseline as model run #1" in out
    flow = train_models(
        plan=tiny_plan(tiny_bert), workdir=str(workdir), db_url=f"sqlite:///{workdir / 'carner.db'}"
    )
    assert set(flow["models"]) == set(MODEL_KINDS) and not any(flow["cached"].values())

    runs = [json.loads(line) for line in cli(workdir, "models", "--json").splitlines()]
    assert sorted(r["kind"] for r in runs) == sorted([*MODEL_KINDS, "baseline"])  # both baselines listed
    assert len({r["path"] for r in runs if r["kind"] == "baseline"}) == 2
    assert all(r["test_id"] for r in runs)  # every door recorded the test split

    report = cli(workdir, "report", "--no-plot")
    assert "different test sets" not in report and "unknown identity" not in report
    markdown = (workdir / "reports" / "report.md").read_text(encoding="utf-8")
    for path in {r["path"] for r in runs}:
        assert f"@{Path(path).name[:8]} |" in markdown, path
    # the terminal's table names a model by its kind, and by kind@key where a kind appears twice
    baselines = [Path(r["path"]).name[:8] for r in runs if r["kind"] == "baseline"]
    assert all(f"baseline@{key}" in report for key in baselines), report

    cli(workdir, "evaluate", *MODEL_KINDS, "--no-speed")
    cli(workdir, "evaluate", str(workdir / "models" / "baseline"), "--no-speed")  # a kind's home
    for kind in MODEL_KINDS:
        tagged = cli(workdir, "predict", "--model", kind, "--json", "2015 Toyota Camry LE")
        assert json.loads(tagged)["text"] == "2015 Toyota Camry LE"
    cli(workdir, "predict", "--model", str(workdir / "models" / "baseline"), "2015 Toyota Camry LE")
    assert (
        "no metrics.json"
        in CliRunner()
        .invoke(__import__("carner.cli", fromlist=["app"]).app, ["predict", "--model", str(tmp_path), "x"])
        .output
    )
    assert "different test sets" not in cli(workdir, "report", "--no-plot")

    # Another test split: one model re-evaluated on it, and the report says the scores do not compare.
    _drop_last_test_text(workdir)
    cli(workdir, "evaluate", "baseline", "--no-speed")
    assert "different test sets" in cli(workdir, "report", "--no-plot")


def _comparable(model_dir: Path) -> dict:
    m = json.loads((model_dir / "metrics.json").read_text(encoding="utf-8"))
    return {k: m[k] for k in ("kind", "f1", "precision", "recall", "macro", "per_label", "n_texts")}


def test_train_all_flow_and_bench_runner_give_the_same_models(prefect_harness, tiny_bert, tmp_path) -> None:
    """Same plan and seed through the three runners of the one chain: same directories, same metrics."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from carner.flows.pipeline import train_models
    from carner.training.chain import run_chain

    from bench.models import Layout, Runner

    plan = tiny_plan(tiny_bert, promote=True)
    data = _dataset(tmp_path / "data")
    doors = {name: tmp_path / name for name in ("cli", "flow", "bench")}
    for workdir in doors.values():
        workdir.mkdir()
        for name in data.iterdir():
            shutil.copy(name, workdir / name.name)

    cli(
        doors["cli"],
        "train",
        "all",
        "--bert",
        str(tiny_bert),
        "--baseline-epochs",
        "2",
        "--teacher-epochs",
        "1",
        "--n-iter",
        "1",
        "--student-epochs",
        "1",
        "--soft-epochs",
        "1",
        "--threads",
        "1",
        "--speed-texts",
        "4",
    )
    train_models(plan=plan, workdir=str(doors["flow"]), db_url=f"sqlite:///{doors['flow'] / 'carner.db'}")
    runner = Runner(Layout(doors["bench"]), resume=False, isolate=True)
    run_chain(plan, doors["bench"], doors["bench"], execute=runner.execute)
    assert all(runner.state[k]["isolated"] and runner.state[k]["peak_rss_mb"] > 0 for k in MODEL_KINDS)

    trees = {
        name: sorted(
            p.parent.relative_to(w)
            for p in (w / "models").glob("*/*/metrics.json")
            if not p.parent.is_symlink()  # models/<kind>/champion points at one of them
        )
        for name, w in doors.items()
    }
    assert trees["cli"] == trees["flow"] == trees["bench"] and len(trees["cli"]) == len(MODEL_KINDS)
    for rel in trees["cli"]:
        figures = [_comparable(w / rel) for w in doors.values()]
        assert figures[0] == figures[1] == figures[2], rel


def test_a_changed_step_input_reruns_only_what_depends_on_it(prefect_harness, tiny_bert, tmp_path) -> None:
    """The flow after `carner train all` on the same plan: every step unchanged; another soft-student
    setting retrains only that student."""
    from carner.flows.pipeline import train_models

    workdir = _dataset(tmp_path / "w")
    db_url = f"sqlite:///{workdir / 'carner.db'}"
    plan = tiny_plan(tiny_bert)
    first = train_models(plan=plan, workdir=str(workdir), db_url=db_url)
    again = train_models(plan=plan, workdir=str(workdir), db_url=db_url)
    assert all(again["cached"].values()) and again["models"] == first["models"]
    other = train_models(plan=plan.model_copy(update={"soft_epochs": 2}), workdir=str(workdir), db_url=db_url)
    ran = {name for name, cached in other["cached"].items() if not cached}
    assert ran == {"student-soft", "eval:student-soft"}
    assert other["models"]["student-soft"] != first["models"]["student-soft"]


@pytest.mark.parametrize("executor", ["dask"])
def test_label_step_on_dask_workers_writes_the_local_labels(tiny_bert, tmp_path, executor) -> None:
    """The label step's executors share one chunk index: the Dask one writes what the local one does."""
    from carner.training.chain import run_chain
    from carner.training.label import iter_labelled

    data = _dataset(tmp_path / "d")
    plan = tiny_plan(tiny_bert, kinds=["student-soft"], label_chunk_size=40, augment_n_iter=2)
    local = run_chain(plan, data, tmp_path / "local")
    remote = run_chain(
        plan.model_copy(update={"label_executor": executor, "label_workers": 2}), data, tmp_path / "dask"
    )
    a, b = Path(local.steps["label"].out), Path(remote.steps["label"].out)
    assert a.relative_to(tmp_path / "local") == b.relative_to(tmp_path / "dask")  # same key: same step
    left, right = list(iter_labelled(a)), list(iter_labelled(b))
    assert len(left) == len(right) > 40
    for x, y in zip(left, right, strict=True):
        assert (x.text, x.spans, x.word_offsets) == (y.text, y.spans, y.word_offsets)
        np.testing.assert_allclose(x.probs, y.probs, atol=2e-3)


def test_single_step_commands_run_the_chains_own_steps(tiny_bert, tmp_path) -> None:
    """`carner train baseline|teacher|student`, `augment` and `label` with the plan's settings write
    the chain's directories under the chain's keys, with the chain's metrics (the students choose
    their checkpoint on the same gold dev set): `run_chain` afterwards finds every step done."""
    from carner.training.chain import run_chain

    from carner.cli import app

    plan = tiny_plan(tiny_bert)
    data = _dataset(tmp_path / "data")
    chain, steps = tmp_path / "chain", tmp_path / "steps"
    for workdir in (chain, steps):
        shutil.copytree(data, workdir)
    reference = run_chain(plan, chain, chain)

    plan_file = tmp_path / "plan.json"  # the plan the inputs of a step run alone are found by
    plan_file.write_text(plan.model_dump_json(), encoding="utf-8")
    given = ["--plan", str(plan_file)]
    missing = CliRunner().invoke(
        app, ["train", "student", "--kind", "soft", *given], env={"CARNER_WORKDIR": str(steps)}
    )
    assert missing.exit_code == 2 and "step has not run" in missing.output, missing.output
    # the plan's values, from the file or from options: the same plan
    cli(steps, "train", "baseline", "--epochs", "2", "--speed-texts", "4")
    cli(steps, "train", "teacher", *given)
    cli(steps, "augment", *given)
    assert "complete" in cli(steps, "label", *given)
    cli(steps, "train", "student", "--kind", "spacy", *given)
    cli(steps, "train", "student", "--kind", "soft", *given, "--epochs", "1")

    again = run_chain(plan, steps, steps)
    assert set(again.skipped) == set(reference.steps), "a single-step command missed the chain's key"
    for name, outcome in reference.steps.items():
        assert Path(again.steps[name].out).relative_to(steps) == Path(outcome.out).relative_to(chain)
        assert again.steps[name].key == outcome.key
    for kind, path in reference.models.items():
        rel = Path(path).relative_to(chain)
        assert _comparable(steps / rel) == _comparable(chain / rel), kind
        evaluated = [json.loads((w / rel / "metrics.json").read_text())["eval_key"] for w in (chain, steps)]
        assert evaluated[0] == evaluated[1] == reference.steps[f"eval:{kind}"].key
