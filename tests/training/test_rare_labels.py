"""Options for rare labels move their metric in a tiny run (floors, not snapshots):
class-weighted teacher loss and rare-label oversampling in augmentation."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.augment import AugmentConfig, augment, rare_labels, variants_per_text  # noqa: E402
from carner.training.evaluate import score_spans  # noqa: E402
from carner.training.teacher import IGNORE_INDEX, TeacherConfig, TeacherModel, label_weights, train_teacher  # noqa: E402

from bench.augment_shards import augment_sharded  # noqa: E402
from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles  # noqa: E402

TINY = {"epochs": 6, "learning_rate": 1e-3, "dropout": 0.1, "batch_size": 16, "progress": False, "seed": 1}


@pytest.fixture(scope="module")
def data() -> dict:
    texts, spans, labels = sandbox_titles(400, seed=5)
    return {"train": (texts[:300], spans[:300]), "test": (texts[300:], spans[300:]), "labels": labels}


def test_label_weights_favour_rare_tags_and_keep_the_mean() -> None:
    rows = [[0, 0, 0, 0, 1, 2, IGNORE_INDEX]] * 50 + [[0, 3]]
    w = label_weights(rows, 5, "inverse_sqrt")
    assert w is not None and w[3] > w[1] > w[0]
    counts = np.array([201, 50, 50, 1, 0])
    assert np.isclose((counts * w).sum() / counts.sum(), 1.0)  # the loss keeps its scale
    assert w[4] == 1.0  # a tag never seen
    assert label_weights(rows, 5, "none") is None
    assert TeacherConfig().label_weighting == "inverse_sqrt"  # the measured default
    with pytest.raises(ValueError, match="label_weighting must be one of"):
        TeacherConfig(label_weighting="inverse")


def _rare_recall(model_dir: Path, data: dict, rare: set[str]) -> tuple[float, float]:
    test_texts, test_spans = data["test"]
    s = score_spans(test_spans, TeacherModel(model_dir).predict(test_texts), data["labels"])
    per = s["per_label"]
    rare_recall = sum(per[lab]["correct"] for lab in rare) / max(1, sum(per[lab]["support"] for lab in rare))
    return rare_recall, s["micro"]["f1"]


def test_inverse_sqrt_weighting_raises_rare_label_recall(tmp_path: Path, data: dict) -> None:
    """Same tiny BERT, same seed, 6 epochs: the weighted loss finds more of the rare labels' spans."""
    quiet_transformers()
    bert = build_tiny_bert(data["train"][0], tmp_path / "bert")
    rare = rare_labels(data["train"][1], 0.1)
    assert {"FUEL", "TRANSMISSION", "COLOR"} & rare
    results = {}
    for scheme in ("none", "inverse_sqrt"):
        cfg = TeacherConfig(bert=str(bert), label_weighting=scheme, **TINY)
        train_teacher(cfg, *data["train"], data["labels"], tmp_path / scheme)
        results[scheme] = _rare_recall(tmp_path / scheme, data, rare)
    print(f"rare labels {sorted(rare)}: recall / micro F1 {results}")
    assert results["inverse_sqrt"][0] >= results["none"][0] + 0.1 - 1e-9  # recalls are fractions of 20 spans
    assert results["inverse_sqrt"][1] > 0.5  # still a working tagger overall
    meta = json.loads((tmp_path / "inverse_sqrt" / "metrics.json").read_text())
    assert meta["config"]["label_weighting"] == "inverse_sqrt"


def test_rare_label_oversampling_gives_rare_texts_more_variants(tmp_path: Path, data: dict) -> None:
    texts, spans = data["train"]
    rare = rare_labels(spans, 0.1)
    carries = [any(lab in rare for _, _, lab in s) for s in spans]
    assert 0 < sum(carries) < len(texts)
    base, boosted = AugmentConfig(n_iter=4, seed=0), AugmentConfig(n_iter=4, seed=0, rare_label_factor=3)
    assert variants_per_text(boosted, spans) == [12 if c else 4 for c in carries]

    def rare_share(cfg: AugmentConfig, out: Path) -> tuple[float, int]:
        m = augment(cfg, texts, spans, out, progress=False)
        rows = [json.loads(line) for line in (out / "augmented.jsonl").read_text().splitlines()]
        by_label = Counter(lab for r in rows for _, _, lab in r["label"])
        assert m.n_written == len(rows)
        return sum(by_label[lab] for lab in rare) / sum(by_label.values()), len(rows)

    share0, n0 = rare_share(base, tmp_path / "base")
    share1, n1 = rare_share(boosted, tmp_path / "boosted")
    print(f"rare-label share of augmented spans: {share0:.3f} -> {share1:.3f} ({n0} -> {n1} texts)")
    assert share1 >= 1.5 * share0
    assert n1 > n0
    # the shard path applies the same per-text variant counts (one shard: no variant can repeat a text
    # another shard wrote, which the sequential path replaces by a new draw and the merge only drops)
    sharded = augment_sharded(boosted, texts, spans, tmp_path / "sharded", 1)
    assert (tmp_path / "sharded" / "augmented.jsonl").read_bytes() == (
        tmp_path / "boosted" / "augmented.jsonl"
    ).read_bytes()
    assert sharded.n_written == n1
    with pytest.raises(ValueError, match="rare_label_factor"):
        AugmentConfig(rare_label_factor=0)
