"""Bring-your-own doccano: doccano's exports -> fresh workdir npy files -> train, evaluate, predict."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from carner.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "doccano-samples"
runner = CliRunner()


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip("../shared/doccano-samples is not available")
    return SAMPLES


def _run(args: list[str], workdir: Path):
    return runner.invoke(app, args, env={"CARNER_WORKDIR": str(workdir), "COLUMNS": "200", "NO_COLOR": "1"})


def _expected(path: Path) -> dict[str, list[list]]:
    """text -> sorted [start, end, label] as doccano wrote them (`label` lists or `entities`)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        spans = obj.get("label")
        if spans is None:
            spans = [[e["start_offset"], e["end_offset"], e["label"]] for e in obj["entities"]]
        out[obj["text"]] = sorted(spans)
    return out


def _dataset(data: Path) -> dict[str, list[list]]:
    got = {}
    for split in ("train", "test"):
        texts = np.load(data / f"text_{split}.npy", allow_pickle=False)
        labels = np.load(data / f"labels_{split}.npy", allow_pickle=False)
        got.update({str(t): sorted(json.loads(str(lab))) for t, lab in zip(texts, labels, strict=True)})
    return got


def test_every_doccano_sample_imports_into_a_fresh_workdir(samples: Path, tmp_path: Path) -> None:
    files = sorted(samples.glob("*.jsonl"))
    assert len(files) >= 5
    for sample in files:
        work = tmp_path / sample.stem
        r = _run(["dataset", "build", "--from-doccano", str(sample)], work)
        assert r.exit_code == 0, f"{sample.name}: {r.output}"
        assert _dataset(work) == _expected(sample), sample.name  # every text, every span, exact
        assert json.loads((work / "dataset.json").read_text())["source"] == "doccano"
        assert not (work / "carner.db").exists()  # no database involved


def test_doccano_export_zip_trains_evaluates_and_predicts_end_to_end(samples: Path, tmp_path: Path) -> None:
    export = tmp_path / "project.zip"  # doccano's download: one <annotator>.jsonl per annotator
    with zipfile.ZipFile(export, "w") as zf:
        zf.write(samples / "export_sequence_labeling_admin.jsonl", "admin.jsonl")
        zf.write(samples / "export_use_relation_true_admin.jsonl", "reviewer.jsonl")
    work = tmp_path / "work"
    r = _run(["dataset", "build", "--from-doccano", str(export), "--test-size", "0.25"], work)
    assert r.exit_code == 0, r.output
    assert "train: 3 texts" in r.output and "test: 1 texts" in r.output
    r = _run(["train", "baseline", "--epochs", "3", "--set", "training.dropout=0.1"], work)
    assert r.exit_code == 0, r.output
    home = work / "models" / "baseline"
    (model,) = [m.parent for m in home.glob("*/metrics.json") if not m.parent.is_symlink()]  # <kind>/<key>
    assert (home / "champion").resolve() == model.resolve()  # the stable path of the workdir's champion
    assert json.loads((model / "metrics.json").read_text())["labels"] == ["MAKE", "MODEL", "YEAR"]
    r = _run(["evaluate", str(model), "--no-speed"], work)
    assert r.exit_code == 0, r.output
    assert "micro P/R/F1" in r.output
    texts = list(_expected(samples / "export_sequence_labeling_admin.jsonl"))
    r = _run(["predict", "--model", str(model), "--json", *texts], work)
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["text"] for x in lines] == texts
    for x in lines:
        assert all(
            0 <= s < e <= len(x["text"]) and lab in {"MAKE", "MODEL", "YEAR"} for s, e, lab in x["spans"]
        )


def test_bad_doccano_lines_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "Ford Focus 2015", "label": [[0, 4, "MAKE"]]}\n'
        '{"text": "Opel Astra", "label": [[0, 40, "MAKE"]]}\n'
        "not json\n",
        encoding="utf-8",
    )
    r = _run(["dataset", "build", "--from-doccano", str(bad)], tmp_path / "w")
    assert r.exit_code != 0
    err = r.stderr
    assert f"{bad}:2: span" in err and "out of range" in err and f"{bad}:3: bad JSON" in err
    assert "Traceback" not in r.output + err
    assert not (tmp_path / "w" / "text_train.npy").exists()
    r = _run(["dataset", "build", "--from-doccano", str(tmp_path / "missing.jsonl")], tmp_path / "w")
    assert r.exit_code != 0 and "no such file" in r.stderr


def test_any_spacy_pipeline_with_ner_predicts_without_carner_metrics(
    tiny_baseline_dir: Path, tmp_path: Path
) -> None:
    foreign = tmp_path / "their-spacy-model"
    shutil.copytree(tiny_baseline_dir, foreign)
    (foreign / "metrics.json").unlink()
    texts = ["2015 Ford Focus 1.6 TDCi", "Mercedes-Benz: CLA-Class CLA 250"]
    theirs = _run(["predict", "--model", str(foreign), "--json", *texts], tmp_path)
    ours = _run(["predict", "--model", str(tiny_baseline_dir), "--json", *texts], tmp_path)
    assert theirs.exit_code == 0, theirs.output
    assert theirs.stdout == ours.stdout
    from carner.training.models import load_model

    assert load_model(foreign).kind == "spacy"
