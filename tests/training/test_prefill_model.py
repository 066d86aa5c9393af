"""`carner annotate export --prefill model`: the model's spans pre-fill the doccano lines (model-assisted)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from carner.cli import app
from tests.annotation.conftest import _add_listing, make_sqlite_engine

runner = CliRunner()


def test_export_prefill_model_lines_carry_the_models_spans(tiny_baseline_dir: Path, tmp_path: Path) -> None:
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.models import load_model
    from sqlalchemy.orm import Session

    db = tmp_path / "carner.db"
    engine = make_sqlite_engine(db)
    listings = generate_listings(12, seed=77)  # unseen by the tiny baseline (trained on seed 0)
    with Session(engine) as session:
        for i, x in enumerate(listings):
            _add_listing(session, f"5000000000{i:02d}", x.title, {"Make": "Nope"})
        session.commit()
    engine.dispose()
    work = tmp_path / "work"
    shutil.copytree(tiny_baseline_dir, work / "models" / "baseline")  # `--model baseline`: a kind
    common = ["--db", f"sqlite:///{db}", "--workdir", str(work)]
    assert runner.invoke(app, ["annotate", "preannotate", *common]).exit_code == 0

    out = tmp_path / "batch.jsonl"
    done = runner.invoke(
        app, ["annotate", "export", "--out", str(out), "--prefill", "model", "--model", "baseline", *common]
    )
    assert done.exit_code == 0, done.output
    assert "Exported 12 texts" in done.output and "with model spans (baseline)" in done.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    model = load_model(tiny_baseline_dir)
    texts = [r["text"] for r in rows]
    assert [r["label"] for r in rows] == [[list(s) for s in spans] for spans in model.predict(texts)]
    assert sum(bool(r["label"]) for r in rows) >= 10  # the model really tags (distant found nothing)
    assert [r["model_confidence"] for r in rows] == [round(c, 4) for c in model.confidence(texts)]
    assert len({tuple(r) for r in rows}) == 1  # doccano: the same keys on every line

    # the default stays gold-else-distant: other spans, no model metadata
    plain = tmp_path / "plain.jsonl"
    done = runner.invoke(app, ["annotate", "export", "--out", str(plain), "--include-annotated", *common])
    assert done.exit_code == 0, done.output
    assert [json.loads(x)["label"] for x in plain.read_text().splitlines()] != [r["label"] for r in rows]
    assert "model_confidence" not in plain.read_text()
    bad = runner.invoke(app, ["annotate", "export", "--out", str(plain), "--prefill", "model", *common])
    assert bad.exit_code == 2 and "--prefill model needs --model" in bad.output
