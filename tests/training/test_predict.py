"""`carner predict`: any model kind through `training.models.load_model`, texts from args or stdin."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from carner.cli import app


def test_predict_json_lines_from_arguments(tiny_baseline_dir: Path) -> None:
    from carner.training.models import load_model

    texts = ["2015 Toyota Camry LE", "Ford: F-150 XLT", "1967 Chevy Impala SS 327"]
    res = CliRunner().invoke(app, ["predict", "--model", str(tiny_baseline_dir), "--json", *texts])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    assert [line["text"] for line in lines] == texts
    expected = load_model(tiny_baseline_dir).predict(texts)
    assert [[tuple(s) for s in line["spans"]] for line in lines] == expected
    assert any(lab == "MAKE" for line in lines for _, _, lab in line["spans"])


def test_predict_reads_stdin_and_prints_entities(tiny_baseline_dir: Path) -> None:
    res = CliRunner().invoke(
        app,
        ["predict", "--model", str(tiny_baseline_dir)],
        input="2015 Toyota Camry LE\n\n2008 Honda Civic\n",
    )
    assert res.exit_code == 0, res.output
    out = res.output.splitlines()
    assert out[0] == "2015 Toyota Camry LE" and "]MAKE" in out[1]
    assert out[2] == "2008 Honda Civic"


def test_predict_errors(tmp_path: Path, tiny_baseline_dir: Path) -> None:
    res = CliRunner().invoke(app, ["predict", "--model", str(tmp_path), "a text"])
    assert res.exit_code == 2 and "no metrics.json" in res.output
    res = CliRunner().invoke(app, ["predict", "--model", str(tiny_baseline_dir)], input="")
    assert res.exit_code == 2 and "no texts" in res.output
