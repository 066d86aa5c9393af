"""The demo's real-title table: every trained model scored on the hand-checked gold of real titles."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner


def test_demo_real_title_table_scores_each_model(shared_data: Path, tiny_baseline_dir: Path, capsys) -> None:
    from carner.cli.demo import print_real_titles, real_title_scores

    csv = shared_data / "car-titles" / "ebay_motors_sedans_info.csv"
    scores = real_title_scores({"baseline": str(tiny_baseline_dir)}, csv)
    sc = scores["baseline"]
    assert sc["per_label"]["MAKE"]["support"] == 357 and sc["per_label"]["YEAR"]["support"] == 309
    assert sc["per_label"]["MAKE"]["f1"] > 0.5  # a sandbox-trained baseline reads real makes
    assert 0.0 <= sc["macro"]["f1"] <= sc["micro"]["f1"] <= 1.0
    print_real_titles(scores, csv)
    out = capsys.readouterr().out
    assert "hand-checked gold" in out and "baseline" in out and "MAKE" in out


def test_demo_refuses_a_missing_real_titles_file(tmp_path: Path) -> None:
    from carner.cli import app

    out = CliRunner().invoke(
        app, ["demo", "--workdir", str(tmp_path / "w"), "--real-titles", str(tmp_path / "none.csv")]
    )
    assert out.exit_code == 2 and "no such file" in out.output


@pytest.fixture(autouse=True)
def _quiet() -> None:
    from tests.support.tiny_bert import quiet_transformers

    quiet_transformers()
