"""score_real_titles: per-label exact-span scores of a model on the hand-checked real titles.

A tiny real spaCy baseline (the session fixture) is scored on a gold file built here from sandbox
titles of another seed (always runs) and on the real eBay Motors gold set (skipped without
../shared); a predictor that returns the gold itself must score 1.0 on every label.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from carner.annotation.labels import LABELS, Span
from carner.annotation.real_gold import load_real_gold, text_sha256, write_gold
from carner.training.models import load_model
from carner.training.real_titles import per_label_rows, score_real_titles, score_real_titles_dir

from .conftest import SHARED

REAL_CSV = SHARED / "data" / "car-titles" / "ebay_motors_sedans_info.csv"


class GoldPredictor:
    """A 'model' that answers the gold spans: the perfect predictor."""

    kind = "gold"
    path = Path(".")

    def __init__(self, gold: dict[str, list[Span]]) -> None:
        self.gold = gold

    def predict(self, texts: list[str]) -> list[list[Span]]:
        return [list(self.gold[t]) for t in texts]

    def confidence(self, texts: list[str]) -> list[float]:
        return [1.0] * len(texts)


@pytest.fixture(scope="module")
def sandbox_gold(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, list[Span]]]:
    """(csv, gold file, {title: spans}) of 40 sandbox titles the tiny baseline never saw (seed 7)."""
    from carner.scraper.sandbox.generator import generate_listings

    listings = generate_listings(40, seed=7)
    d = tmp_path_factory.mktemp("real_titles")
    csv_path = d / "titles.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Car Model"])
        w.writerows([x.title] for x in listings)
    gold = {x.title.strip(): [tuple(s) for s in x.title_spans] for x in listings}
    records = [
        {"row": i, "text_sha256": text_sha256(x.title.strip()), "label": [list(s) for s in x.title_spans]}
        for i, x in enumerate(listings)
    ]
    write_gold(d / "gold.jsonl", {"source": "sandbox seed 7"}, records)
    return csv_path, d / "gold.jsonl", gold  # type: ignore[return-value]


def _check_structure(scores: dict[str, Any], n_texts: int) -> None:
    assert scores["n_texts"] == n_texts
    assert list(scores["per_label"])[: len(LABELS)] == LABELS  # every label, in the schema's order
    for s in scores["per_label"].values():
        assert 0.0 <= s["precision"] <= 1.0 and 0.0 <= s["recall"] <= 1.0 and 0.0 <= s["f1"] <= 1.0
        assert s["correct"] <= min(s["support"], s["predicted"]) or s["support"] == 0
    rows = per_label_rows(scores)
    assert [r[0] for r in rows[-2:]] == ["micro", "macro"] and len(rows) == len(scores["per_label"]) + 2


def test_tiny_baseline_and_the_perfect_predictor_on_unseen_sandbox_titles(
    tiny_baseline_dir: Path, sandbox_gold: tuple[Path, Path, dict[str, list[Span]]]
) -> None:
    csv_path, gold_path, gold = sandbox_gold
    scores = score_real_titles_dir(tiny_baseline_dir, csv_path, gold_path)
    _check_structure(scores, 40)
    assert scores["per_label"]["MAKE"]["f1"] > 0.5  # the tiny model learned something real
    assert scores["micro"]["f1"] < 1.0  # ... and is not scored against its own output
    perfect = score_real_titles(GoldPredictor(gold), csv_path, gold_path)
    assert perfect["micro"]["f1"] == perfect["macro"]["f1"] == 1.0


@pytest.mark.skipif(not REAL_CSV.is_file(), reason="../shared/data/car-titles is not available")
def test_real_gold_scores_of_the_tiny_baseline_and_of_the_gold_itself(tiny_baseline_dir: Path) -> None:
    titles = load_real_gold(REAL_CSV)
    gold = {g.text: g.spans for g in titles}  # repeated titles carry the same spans (the gold test checks)
    scores = score_real_titles(load_model(tiny_baseline_dir), REAL_CSV)
    _check_structure(scores, 360)
    assert scores["per_label"]["MAKE"]["support"] == 357
    assert scores["per_label"]["MAKE"]["f1"] > 0.5  # 0.98 measured: makes carry over from the sandbox
    assert scores["support"] == sum(len(g.spans) for g in titles)
    perfect = score_real_titles(GoldPredictor(gold), REAL_CSV)
    assert all(s["f1"] == 1.0 for s in perfect["per_label"].values())
    assert perfect["macro_labels"] == LABELS  # all eleven labels occur in the real gold
