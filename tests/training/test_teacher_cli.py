"""The distillation commands end to end on tiny data: teacher, augment, label, students, `train all`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.npy_io import save_npy_dataset  # noqa: E402

from carner.cli import app  # noqa: E402
from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles  # noqa: E402

runner = CliRunner()
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}


def _run(args: list[str], workdir: Path) -> object:
    result = runner.invoke(app, args, env={**ENV, "CARNER_WORKDIR": str(workdir)})
    return result


def _error_line(result) -> str:
    text = (result.stderr or result.output).strip()
    assert text.count("\n") == 0, f"expected a one-line error, got:\n{text}"
    return text


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict:
    quiet_transformers()
    root = tmp_path_factory.mktemp("cli")
    texts, spans, _ = sandbox_titles(160, seed=33)
    save_npy_dataset(root / "data", (texts[:120], spans[:120]), (texts[120:], spans[120:]))
    return {"root": root, "data": root / "data", "bert": build_tiny_bert(texts[:120], root / "bert")}


def test_help_describes_every_option() -> None:
    for cmd, options in {
        ("train", "teacher"): ["--bert", "--epochs", "--batch-size", "--dropout", "--max-texts", "--seed"],
        ("augment",): ["--n-iter", "--p-mask", "--p-pos", "--p-ng", "--seed"],
        ("label",): ["--teacher", "--input", "--chunk-size", "--restart"],
        ("train", "student"): ["--kind", "--labelled", "--alpha", "--temperature"],
        ("train", "all"): ["--teacher-epochs", "--n-iter", "--student-epochs"],
    }.items():
        result = runner.invoke(app, [*cmd, "--help"], env=ENV)
        assert result.exit_code == 0, result.output
        for option in options:
            assert option in result.output, (cmd, option)


def test_commands_chain_teacher_augment_label_students(work: dict) -> None:
    root, data = work["root"], str(work["data"])
    models = root / "models"
    r = _run(
        [
            "train",
            "teacher",
            "--data",
            data,
            "--out",
            str(models / "teacher"),
            "--bert",
            str(work["bert"]),
            "--epochs",
            "3",
            "--learning-rate",
            "1e-3",
            "--dropout",
            "0.1",
            "--threads",
            "1",
        ],
        root,
    )
    assert r.exit_code == 0, r.output
    assert "teacher: 108 train / 12 validation texts" in r.output and "wrote" in r.output
    meta = json.loads((models / "teacher" / "metrics.json").read_text())
    assert meta["kind"] == "teacher" and "f1" in meta and meta["n_texts"] == 40  # evaluated on the test split

    r = _run(["augment", "--data", data, "--out", str(root / "aug"), "--n-iter", "3"], root)
    assert r.exit_code == 0, r.output
    assert "augment: 120 texts ->" in r.output and (root / "aug" / "augmented.jsonl").is_file()

    r = _run(
        [
            "label",
            "--data",
            data,
            "--teacher",
            str(models / "teacher"),
            "--input",
            str(root / "aug"),
            "--out",
            str(root / "lab"),
            "--chunk-size",
            "100",
            "--threads",
            "1",
        ],
        root,
    )
    assert r.exit_code == 0, r.output
    assert "complete" in r.output and "incomplete" not in r.output

    r = _run(
        [
            "train",
            "student",
            "--kind",
            "soft",
            "--labelled",
            str(root / "lab"),
            "--data",
            data,
            "--out",
            str(models / "soft"),
            "--epochs",
            "2",
            "--threads",
            "1",
        ],
        root,
    )
    assert r.exit_code == 0, r.output
    assert json.loads((models / "soft" / "metrics.json").read_text())["kind"] == "student-soft"

    r = _run(
        [
            "train",
            "student",
            "--kind",
            "spacy",
            "--labelled",
            str(root / "lab"),
            "--data",
            data,
            "--out",
            str(models / "spacy"),
            "--epochs",
            "1",
        ],
        root,
    )
    assert r.exit_code == 0, r.output
    meta = json.loads((models / "spacy" / "metrics.json").read_text())
    assert meta["kind"] == "student-spacy" and "f1" in meta


def test_bad_input_gives_one_line_errors(work: dict, tmp_path: Path) -> None:
    r = _run(["train", "student", "--kind", "cnn"], tmp_path)
    assert r.exit_code == 2 and "--kind 'cnn'" in _error_line(r)
    r = _run(["label", "--teacher", str(tmp_path / "nope"), "--input", str(tmp_path)], tmp_path)
    assert r.exit_code == 2 and "nope" in _error_line(r)
    r = _run(["train", "student", "--kind", "soft", "--labelled", str(tmp_path)], tmp_path)
    assert r.exit_code == 2 and "not a labelled set" in _error_line(r)
    r = _run(["augment", "--data", str(tmp_path / "missing")], tmp_path)
    assert r.exit_code == 2 and "missing" in _error_line(r)
    bad_plan = tmp_path / "plan.json"
    bad_plan.write_text('{"teacher_epochs": 0}', encoding="utf-8")
    r = _run(["train", "teacher", "--plan", str(bad_plan)], tmp_path)
    assert r.exit_code == 2 and str(bad_plan) in _error_line(r) and "teacher_epochs" in _error_line(r)
    r = _run(["label", "--data", str(work["data"])], tmp_path)  # no teacher trained for the plan
    assert r.exit_code == 2 and "carner train teacher" in _error_line(r)


def test_train_all_runs_every_stage_then_skips_what_is_unchanged(work: dict) -> None:
    root = work["root"] / "all"
    args = [
        "train",
        "all",
        "--data",
        str(work["data"]),
        "--bert",
        str(work["bert"]),
        "--teacher-epochs",
        "1",
        "--baseline-epochs",
        "1",
        "--n-iter",
        "2",
        "--student-epochs",
        "1",
        "--threads",
        "1",
    ]
    r = _run(args, root)
    assert r.exit_code == 0, r.output
    for kind in ("baseline", "teacher", "student-spacy", "student-soft"):
        assert kind in r.output
        (model,) = [  # the chain's models/<kind>/<key> (not the champion's stable link)
            m for m in (root / "models" / kind).glob("*/metrics.json") if not m.parent.is_symlink()
        ]
        assert "f1" in json.loads(model.read_text())
    assert (root / "reports" / "report.md").is_file()
    r = _run([*args, "--no-baseline"], root)
    assert r.exit_code == 0, r.output
    assert (
        "skipped: teacher, augment, label, student-spacy, student-soft, "
        "eval:teacher, eval:student-spacy, eval:student-soft"
    ) in r.output
