"""The report: both tables from the models' measured metrics, JSON beside them, and a real PNG."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from carner.training.report import find_model_dirs, write_report


def _two_models(tiny_baseline_dir: Path, tiny_dataset_dir: Path, root: Path) -> list[Path]:
    """The trained baseline, and a copy evaluated on half of the test split (other figures)."""
    from carner.training.evaluate import evaluate_dir
    from carner.training.npy_io import load_npy_dataset

    first, second = root / "baseline", root / "baseline-half"
    shutil.copytree(tiny_baseline_dir, first)
    shutil.copytree(tiny_baseline_dir, second)
    ds = load_npy_dataset(tiny_dataset_dir)
    half = len(ds.test_texts) // 2
    evaluate_dir(second, ds.test_texts[:half], ds.test_spans[:half], labels=ds.labels, speed_texts=20)
    return [first, second]


def test_report_tables_json_and_plot(tiny_baseline_dir: Path, tiny_dataset_dir: Path, tmp_path: Path) -> None:
    import matplotlib.image

    dirs = _two_models(tiny_baseline_dir, tiny_dataset_dir, tmp_path / "models")
    result = write_report(dirs, tmp_path / "reports")
    md = Path(result.markdown).read_text()
    metrics = [json.loads((d / "metrics.json").read_text()) for d in dirs]

    # table 1: one row per model with its measured macro scores, size and speed
    table1 = md.split("## Models: precision / recall per label")[0]
    for d, m in zip(dirs, metrics, strict=True):
        row = next(line for line in table1.splitlines() if line.startswith(f"| {d.name} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == "baseline"
        assert cells[2:5] == [f"{m['macro'][k]:.3f}" for k in ("recall", "precision", "f1")]
        assert cells[6] == f"{m['size_bytes'] / 1e6:.1f}"
        assert cells[7] == f"{m['speed']['texts_per_s_batch1']:.0f}"

    # table 2: every label, Car Make and Car Model first, P / R / F1 and support per model
    header = next(line for line in md.splitlines() if line.startswith("| Model | Car Make"))
    assert header.index("Car Make (MAKE)") < header.index("Car Model (MODEL)") < header.index("(YEAR)")
    labels = result.labels
    assert labels[:2] == ["MAKE", "MODEL"] and set(metrics[0]["per_label"]) <= set(labels)
    table2 = md.split("## Models: precision / recall per label")[1]
    row = next(line for line in table2.splitlines() if line.startswith("| baseline-half |"))
    make = metrics[1]["per_label"]["MAKE"]
    want = f"{make['precision']:.3f} / {make['recall']:.3f} / {make['f1']:.3f} (n={make['support']})"
    assert row.split("|")[2].strip() == want and make["support"] > 0

    payload = json.loads(Path(result.json).read_text())
    assert [m["name"] for m in payload["models"]] == ["baseline", "baseline-half"]
    assert payload["models"][1]["n_texts"] == metrics[1]["n_texts"] < metrics[0]["n_texts"]
    # the copy was scored on half the texts through evaluate_dir, which cannot name that test set
    assert payload["warnings"] == [
        "evaluated on a test set of unknown identity (re-run `carner evaluate`): baseline-half"
    ]

    image = matplotlib.image.imread(result.plot)
    assert image.shape[0] > 300 and image.shape[1] > 1000
    assert Path(result.plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_warns_about_models_not_evaluated(tiny_baseline_dir: Path, tmp_path: Path) -> None:
    untrained = tmp_path / "models" / "teacher"
    untrained.mkdir(parents=True)
    (untrained / "metrics.json").write_text(json.dumps({"kind": "teacher", "labels": ["MAKE"]}))
    shutil.copytree(tiny_baseline_dir, tmp_path / "models" / "baseline")
    dirs = find_model_dirs(tmp_path / "models")
    assert [d.name for d in dirs] == ["baseline", "teacher"]
    result = write_report(dirs, tmp_path / "out", plot=False)
    md = Path(result.markdown).read_text()
    assert "not evaluated yet" in md and "| teacher | teacher | — | — | — |" in md
    assert result.plot is None and not (tmp_path / "out" / "report.png").exists()


def test_cli_report(tiny_baseline_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from carner.cli import app

    shutil.copytree(tiny_baseline_dir, tmp_path / "m" / "baseline")
    res = CliRunner().invoke(
        app, ["report", "--models", str(tmp_path / "m" / "baseline"), "--out", str(tmp_path / "r")]
    )
    assert res.exit_code == 0, res.output
    assert "micro F1" in res.output and "F1 per label" in res.output  # rich tables, not raw Markdown
    assert max(len(line) for line in res.output.splitlines() if "wrote" not in line) <= 80
    assert any(line.split()[:1] == ["baseline"] for line in res.output.splitlines())
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"report.md", "report.json", "report.png"}
    res = CliRunner().invoke(
        app, ["report", "--models", str(tmp_path / "none"), "--out", str(tmp_path / "r")]
    )
    assert res.exit_code == 2 and "no metrics.json" in res.output


def _evaluated_copy(src: Path, data_dir: Path, dest: Path) -> Path:
    from carner.training.evaluate import evaluate_on_dataset

    shutil.copytree(src, dest)
    evaluate_on_dataset(dest, data_dir, speed=False)
    return dest


def test_report_warns_only_when_test_splits_differ(
    tiny_baseline_dir: Path, tiny_dataset_dir: Path, tmp_path: Path
) -> None:
    """Models evaluated by different doors on one split: no warning; on a changed split: a warning."""
    import numpy as np

    models = tmp_path / "models"
    models.mkdir()
    # tiny_baseline_dir was evaluated inside train_baseline; the copy through evaluate_on_dataset
    a = _evaluated_copy(tiny_baseline_dir, tiny_dataset_dir, models / "a")
    result = write_report([tiny_baseline_dir, a], tmp_path / "r1", plot=False)
    assert result.warnings == []

    changed = tmp_path / "data2"
    shutil.copytree(tiny_dataset_dir, changed)
    for name in ("text_test.npy", "labels_test.npy"):  # one test text fewer: another test split
        arr = np.load(changed / name, allow_pickle=False)
        np.save(changed / name, arr[:-1], allow_pickle=False)
    b = _evaluated_copy(tiny_baseline_dir, changed, models / "b")
    result = write_report([a, b], tmp_path / "r2", plot=False)
    assert result.warnings == ["models were evaluated on different test sets; their scores do not compare"]


def test_one_corrupt_model_is_reported_as_skipped_not_fatal(tiny_baseline_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from carner.cli import app

    good = shutil.copytree(tiny_baseline_dir, tmp_path / "good")
    broken = {"bad-json": "{not json", "bad-f1": json.dumps({"kind": "baseline", "per_label": {}, "f1": "x"})}
    args = ["report", "--models", str(good), "--out", str(tmp_path / "r"), "--no-plot"]
    for name, text in broken.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(text)
        args += ["--models", str(tmp_path / name)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert [m["path"] for m in report["models"]] == [str(good)]
    skipped = [w for w in report["warnings"] if w.startswith("skipped")]
    assert len(skipped) == 2 and "invalid JSON" in skipped[0] and "f1 is 'x', not a number" in skipped[1]
    assert "skipped" in (tmp_path / "r" / "report.md").read_text()
    only_bad = ["report", "--models", str(tmp_path / "bad-json"), "--out", str(tmp_path / "r2")]
    res = CliRunner().invoke(app, only_bad)
    assert res.exit_code == 2 and "no readable model" in res.output and "Traceback" not in res.output
