"""Score a model on the hand-checked real eBay Motors titles: exact-span P/R/F1 per label.

Why a plain function: models are trained on sandbox titles, and this is the check that they read
real ones; the bench (`bench/real_titles.py`) and the demo's report call the same code. The scores
come from `training.evaluate.score_spans`, the function every other evaluation uses, so the figures
are comparable with the test-split metrics (micro, and macro over the labels seen).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from carner.annotation.labels import LABELS
from carner.annotation.real_gold import SEDANS_GOLD, load_real_gold
from carner.training.evaluate import score_spans
from carner.training.models import NerModel, load_model


def score_real_titles(
    model: NerModel,
    csv_path: Path | str,
    gold_path: Path | str = SEDANS_GOLD,
    labels: list[str] | None = None,
) -> dict[str, Any]:
    """`score_spans` of the model's predictions on the gold titles (per_label, micro, macro), plus counts.

    Raises `annotation.real_gold.RealGoldError` when the CSV does not fit the gold file.
    """
    gold = load_real_gold(Path(csv_path), Path(gold_path))
    texts = [g.text for g in gold]
    pred = model.predict(texts) if texts else []
    scores = score_spans([g.spans for g in gold], pred, list(labels or LABELS))
    return {"n_texts": len(texts), "gold_file": Path(gold_path).name, **scores}


def score_real_titles_dir(
    model_dir: Path | str, csv_path: Path | str, gold_path: Path | str = SEDANS_GOLD
) -> dict[str, Any]:
    """`score_real_titles` of the model saved in `model_dir` (any kind `load_model` reads)."""
    return score_real_titles(load_model(Path(model_dir)), csv_path, gold_path)


def per_label_rows(scores: dict[str, Any]) -> list[tuple[str, float, float, float, int]]:
    """(label, precision, recall, F1, support) per label, then "micro" and "macro" rows: a table's body."""
    per_label = scores["per_label"]
    rows = [(lab, s["precision"], s["recall"], s["f1"], s["support"]) for lab, s in per_label.items()]
    support = scores["support"]
    for avg in ("micro", "macro"):
        rows.append((avg, scores[avg]["precision"], scores[avg]["recall"], scores[avg]["f1"], support))
    return rows
