"""Choosing what to annotate with a real trained model: `carner annotate export --strategy disagreement`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from carner.cli import app

runner = CliRunner()


def _fill_db(path: Path, listings: list[Any]) -> list[str]:
    from carner.db.engine import make_engine, session_factory, upgrade
    from carner.db.models import Listing

    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine).begin() as session:
        for x in listings:
            session.add(
                Listing(item_id=x.item_id, url=f"/itm/{x.item_id}", title=x.title, specifics=x.specifics)
            )
    engine.dispose()
    return ["--db", url, "--workdir", str(path.parent / "work")]


def test_disagreement_export_puts_model_vs_preannotation_conflicts_first(
    tiny_baseline_dir: Path, tmp_path: Path
) -> None:
    from carner.annotation.preannotate import preannotate
    from carner.annotation.select import span_agreement
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.models import load_model

    listings = generate_listings(120, seed=77)  # not the titles the tiny baseline learned from
    args = _fill_db(tmp_path / "al.db", listings)
    assert runner.invoke(app, ["annotate", "preannotate", *args]).exit_code == 0
    out = tmp_path / "next.jsonl"
    done = runner.invoke(
        app,
        ["annotate", "export", "--out", str(out), "--limit", "20", "--strategy", "disagreement",
         "--model", str(tiny_baseline_dir), *args],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "strategy disagreement" in done.output and "Exported 20 texts" in done.output
    exported = [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()]

    # The same ranking computed here from the model and the pre-annotator directly.
    model = load_model(tiny_baseline_dir)
    texts = [x.title for x in listings]
    agreement = {
        t: span_agreement(p, preannotate(t, x.specifics))
        for t, p, x in zip(texts, model.predict(texts), listings, strict=True)
    }
    assert max(agreement[t] for t in exported) <= min(a for t, a in agreement.items() if t not in exported)
    assert min(agreement.values()) < 1.0  # the model does disagree somewhere: the ranking is not a tie
