"""The spaCy baseline: learns beyond a dictionary lookup, writes a loadable model, honours overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from carner.training.evaluate import dictionary_floor, score_spans
from carner.training.npy_io import DatasetError, load_npy_dataset


def test_baseline_beats_a_dictionary_lookup(tiny_baseline: Any, tiny_dataset_dir: Path) -> None:
    ds = load_npy_dataset(tiny_dataset_dir)
    # a lookup table of the training entities: what memorising names alone scores on unseen titles
    lookup = dictionary_floor(ds.train_texts, ds.train_spans, ds.test_texts)
    floor = score_spans(ds.test_spans, lookup, ds.labels)["micro"]
    metrics = tiny_baseline.metrics
    assert metrics["n_texts"] == len(ds.test_texts)
    assert metrics["f1"] > floor["f1"] + 0.02, (metrics["micro"], floor)
    assert metrics["recall"] > floor["recall"]  # it finds entities the lookup table has never seen
    assert metrics["per_label"]["MAKE"]["f1"] > 0.8 and metrics["per_label"]["YEAR"]["f1"] > 0.9


def test_baseline_directory_is_spacy_loadable_with_metrics(
    tiny_baseline_dir: Path, tiny_dataset_dir: Path
) -> None:
    import spacy
    from carner.training.models import load_model

    metrics = json.loads((tiny_baseline_dir / "metrics.json").read_text())
    ds = load_npy_dataset(tiny_dataset_dir)
    assert metrics["kind"] == "baseline" and metrics["labels"] == ds.labels
    assert metrics["training"]["max_epochs"] == 15 and metrics["training"]["steps"] > 0
    assert metrics["training"]["overrides"]["training.dropout"] == 0.2
    assert metrics["dataset"]["train_texts"] == len(ds.train_texts)
    assert metrics["provenance"]["packages"]["spacy"].startswith("3.")
    nlp = spacy.load(tiny_baseline_dir)
    doc = nlp("2015 Toyota Camry LE")
    model = load_model(tiny_baseline_dir)
    assert model.kind == "baseline"
    assert model.predict(["2015 Toyota Camry LE"]) == [
        [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    ]


def test_confidence_is_a_probability_per_text(tiny_baseline_dir: Path, tiny_dataset_dir: Path) -> None:
    from carner.training.models import load_model

    model = load_model(tiny_baseline_dir)
    ds = load_npy_dataset(tiny_dataset_dir)
    texts = ds.test_texts[:40] + ["qwxz plmk zzzz", ""]
    conf = model.confidence(texts)
    assert len(conf) == len(texts) and all(0.5 <= c <= 1.0 for c in conf)
    assert conf[-1] == 1.0  # nothing to decide in an empty text
    assert len(set(round(c, 6) for c in conf)) > 3  # it discriminates between texts


def test_sequence_confidence_is_the_best_parse_probability(
    tiny_baseline_dir: Path, tiny_dataset_dir: Path
) -> None:
    from carner.training.models import load_model

    model = load_model(tiny_baseline_dir)
    texts = load_npy_dataset(tiny_dataset_dir).test_texts[:40] + [""]
    seq = model.confidence(texts, measure="sequence")
    ent = model.confidence(texts, measure="entity")
    assert len(seq) == len(texts) and all(0.0 < c <= 1.0 for c in seq)
    assert seq[-1] == 1.0
    # Every candidate entity is either in the best parse (p >= best) or not (1 - p >= best), so the
    # best parse's probability bounds each candidate's max(p, 1 - p) from below.
    assert all(s <= e + 1e-6 for s, e in zip(seq, ent, strict=True))
    assert min(seq) < min(ent)  # whole-parse doubt adds up over entities
    with pytest.raises(ValueError, match="unknown confidence measure"):
        model.confidence(texts, measure="vibes")  # type: ignore[arg-type]


def test_normalised_confidence_is_the_per_token_root_of_the_sequence_one(
    tiny_baseline_dir: Path, tiny_dataset_dir: Path
) -> None:
    from carner.training.models import load_model

    model = load_model(tiny_baseline_dir)
    texts = load_npy_dataset(tiny_dataset_dir).test_texts[:40] + [""]
    seq = model.confidence(texts, measure="sequence")
    norm = model.confidence(texts, measure="normalised")
    tokens = [len(model.nlp.make_doc(t)) for t in texts]
    assert norm == pytest.approx([s ** (1 / max(1, n)) for s, n in zip(seq, tokens, strict=True)])
    assert all(n >= s for n, s in zip(norm, seq, strict=True))  # a root of a probability is larger
    # Length no longer decides: the sequence measure ranks long titles low, the normalised one less so.
    longest = max(range(len(texts) - 1), key=lambda i: tokens[i])
    assert sorted(seq).index(seq[longest]) <= sorted(norm).index(norm[longest])


def test_overrides_reach_spacy_and_bad_ones_are_named(tiny_dataset_dir: Path, tmp_path: Path) -> None:
    from carner.training.baseline import BASELINE_CONFIG, SpacyTrainConfig, train_baseline

    cfg = SpacyTrainConfig(overrides={"training.max_epochs": 1, "training.dropout": 0.3}, seed=1)
    result = train_baseline(tiny_dataset_dir, tmp_path / "m", cfg, evaluate=False)
    assert result.epochs == 1
    saved = (tmp_path / "m" / "config.cfg").read_text()
    assert "dropout = 0.3" in saved and "max_epochs = 1" in saved
    with pytest.raises(ValueError, match=str(BASELINE_CONFIG.name)):
        train_baseline(
            tiny_dataset_dir, tmp_path / "bad", SpacyTrainConfig(overrides={"training.nonsense": 1})
        )
    with pytest.raises(ValueError, match=str(BASELINE_CONFIG.name)):
        train_baseline(
            tiny_dataset_dir, tmp_path / "bad", SpacyTrainConfig(overrides={"training.max_epochs": "x"})
        )
    assert not (tmp_path / "bad").exists()


def test_unknown_label_in_config_is_an_error_naming_file_and_index(
    tiny_dataset_dir: Path, tmp_path: Path
) -> None:
    from carner.training.baseline import SpacyTrainConfig, train_baseline

    with pytest.raises(DatasetError, match=r"labels_train\.npy\[0\]: span \d+ has unknown label"):
        train_baseline(tiny_dataset_dir, tmp_path / "m", SpacyTrainConfig(labels=["MAKE"], epochs=1))
    assert not (tmp_path / "m").exists()


def test_cli_trains_on_hand_made_files_with_its_own_labels(tmp_path: Path, make_npy_dataset: Any) -> None:
    from typer.testing import CliRunner

    from carner.cli import app

    colours, things = ["red", "blue", "green", "black"], ["car", "van", "truck", "bike"]
    rows = []
    for i in range(40):
        c, t = colours[i % 4], things[(i // 4) % 4]
        text = f"a {c} {t} number {i}"
        rows.append((text, [[2, 2 + len(c), "COLOUR"], [3 + len(c), 3 + len(c) + len(t), "THING"]]))
    data = make_npy_dataset(tmp_path / "data", rows[:30], rows[30:])
    out = tmp_path / "model"
    res = CliRunner().invoke(
        app,
        [
            "train",
            "baseline",
            "--data",
            str(data),
            "--out",
            str(out),
            "--epochs",
            "3",
            "--set",
            "training.dropout=0.1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "micro P/R/F1" in res.output and "COLOUR" in res.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["labels"] == ["COLOUR", "THING"] and metrics["training"]["max_epochs"] == 3
    assert sorted(metrics["training"]["model_labels"]) == ["COLOUR", "THING"]
    assert "THING" in metrics["per_label"]
    # timing takes at most the test split's 10 texts, never 1,000 cycled ones
    assert metrics["speed"]["timed_texts_batch1"] == 10 and metrics["speed"]["timed_texts_batch64"] == 10

    quick = CliRunner().invoke(
        app, ["train", "baseline", "--data", str(data), "--out", str(tmp_path / "m2"), "--epochs", "1"]
        + ["--no-speed"]
    )
    assert quick.exit_code == 0, quick.output
    assert "micro P/R/F1" in quick.output and "texts/s" not in quick.output
    assert "speed" not in json.loads((tmp_path / "m2" / "metrics.json").read_text())

    res = CliRunner().invoke(
        app, ["train", "baseline", "--data", str(tmp_path / "nowhere"), "--out", str(out)]
    )
    assert res.exit_code == 2 and "nowhere: no npy dataset (text_train.npy missing" in res.output
