"""The BERT teacher: a tiny BERT really learns; the real MiniLM loads offline and maps words back exactly."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.decode import is_valid_bio  # noqa: E402
from carner.training.teacher import (  # noqa: E402
    TeacherConfig,
    TeacherModel,
    _encode,
    _Encoder,
    _first_subword_labels,
    _load_pretrained,
    gather_word_probs,
    micro_f1,
    save_teacher,
    train_teacher,
)
from carner.training.tokens import (  # noqa: E402
    bio_labels,
    bio_to_spans,
    model_words,  # noqa: E402
    spans_to_bio,
)

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles  # noqa: E402

TINY = {
    "epochs": 8,
    "learning_rate": 1e-3,
    "dropout": 0.1,
    "batch_size": 16,
    "patience": 3,
    "progress": False,
}


@pytest.fixture(scope="module", autouse=True)
def _quiet() -> None:
    quiet_transformers()


@pytest.fixture(scope="module")
def data() -> dict:
    texts, spans, labels = sandbox_titles(400, seed=5)
    return {"train": (texts[:300], spans[:300]), "test": (texts[300:], spans[300:]), "labels": labels}


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory, data: dict) -> Path:
    return build_tiny_bert(data["train"][0], tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_bert: Path, data: dict) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("teacher") / "teacher"
    manifest = train_teacher(
        TeacherConfig(bert=str(tiny_bert), seed=1, **TINY), *data["train"], data["labels"], out
    )
    return out, manifest


def test_tiny_bert_learns_above_an_untrained_floor(
    tmp_path: Path, tiny_bert: Path, trained, data: dict
) -> None:
    cfg = TeacherConfig(bert=str(tiny_bert), seed=1, **TINY)
    tokenizer, model = _load_pretrained(cfg, bio_labels(data["labels"]))
    save_teacher(cfg, model, tokenizer, data["labels"], tmp_path / "untrained")
    test_texts, test_spans = data["test"]
    untrained = micro_f1(test_spans, TeacherModel(tmp_path / "untrained").predict(test_texts))["f1"]
    learnt = micro_f1(test_spans, TeacherModel(trained[0]).predict(test_texts))["f1"]
    assert untrained < 0.15
    print(f"tiny teacher F1: untrained {untrained:.3f}, fine-tuned {learnt:.3f}")
    assert learnt > 0.6, learnt
    assert learnt > untrained + 0.45


def test_one_config_gives_one_untrained_head_whatever_ran_before(tiny_bert: Path, data: dict) -> None:
    import torch

    cfg = TeacherConfig(bert=str(tiny_bert), seed=1, **TINY)
    heads = []
    for prior in (1, 2):  # other work has drawn from torch's RNG before the model is built
        torch.manual_seed(prior)
        torch.rand(prior)
        heads.append(_load_pretrained(cfg, bio_labels(data["labels"]))[1].classifier.weight.detach().clone())
    assert torch.equal(heads[0], heads[1])
    other_cfg = TeacherConfig(bert=str(tiny_bert), seed=2, **TINY)
    other = _load_pretrained(other_cfg, bio_labels(data["labels"]))[1]
    assert not torch.equal(heads[0], other.classifier.weight)  # the seed is what decides it


def test_saved_directory_metrics_and_best_checkpoint(trained, data: dict) -> None:
    path, manifest = trained
    names = {p.name for p in path.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "metrics.json"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    meta = json.loads((path / "metrics.json").read_text())
    assert meta["kind"] == "teacher" and meta["labels"] == data["labels"]
    assert meta["tags"] == bio_labels(data["labels"])
    config = json.loads((path / "config.json").read_text())
    assert config["id2label"]["0"] == "O" and config["hidden_dropout_prob"] == TINY["dropout"]
    history = manifest.history
    val = [row["val_f1"] for row in history]
    assert manifest.best_epoch == 1 + val.index(max(val))  # the best epoch's weights are kept
    assert manifest.best_val_f1 == max(val)
    assert history[-1]["loss"] < history[0]["loss"]
    stopped_early = len(history) < TINY["epochs"]
    assert not stopped_early or len(history) - manifest.best_epoch == TINY["patience"]


def test_same_seed_same_weights(tmp_path: Path, tiny_bert: Path, data: dict) -> None:
    from safetensors.numpy import load_file

    texts, spans = data["train"][0][:64], data["train"][1][:64]
    cfg = TeacherConfig(bert=str(tiny_bert), seed=3, **{**TINY, "epochs": 2})
    train_teacher(cfg, texts, spans, data["labels"], tmp_path / "a")
    train_teacher(cfg, texts, spans, data["labels"], tmp_path / "b")
    a, b = load_file(tmp_path / "a" / "model.safetensors"), load_file(tmp_path / "b" / "model.safetensors")
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_predict_with_probs_and_model_registry(trained, data: dict) -> None:
    from carner.training.models import NerModel, load_model

    model = load_model(trained[0], snap=False)
    assert isinstance(model, TeacherModel) and isinstance(model, NerModel)
    assert isinstance(load_model(trained[0]), NerModel)  # snapped to the catalogue, still a NerModel
    texts = data["test"][0][:20] + ["", "🚗🚗"]
    preds = model.predict_with_probs(texts, batch_size=4)
    for text, pred in zip(texts, preds, strict=True):
        assert pred.word_offsets == model_words(text)
        assert pred.probs.shape == (len(pred.word_offsets), len(model.tags))
        assert np.allclose(pred.probs.sum(axis=1), 1.0, atol=1e-4)
        tags = model.decoder.decode(pred.probs)  # BIO-valid Viterbi (training.decode), from the probs
        assert is_valid_bio(tags, model.decoder.joined)
        assert pred.spans == bio_to_spans(pred.word_offsets, tags)
    assert model.predict(texts) == [p.spans for p in preds]
    assert model.decoder.mode == "viterbi" and model.decoder.joined  # learnt from the gold tags
    argmax = TeacherModel(trained[0], decode="argmax")
    for pred in argmax.predict_with_probs(texts):
        tags = [model.tags[j] for j in pred.probs.argmax(axis=1)]
        assert pred.spans == bio_to_spans(pred.word_offsets, tags)
    conf = model.confidence(texts)
    assert all(0.0 <= c <= 1.0 for c in conf) and conf[-2] == 1.0  # empty text: nothing to doubt


def test_loading_refuses_pickled_weights(tmp_path: Path, trained) -> None:
    import torch
    from safetensors.torch import load_file

    bad = tmp_path / "pickled"
    shutil.copytree(trained[0], bad)
    torch.save(load_file(bad / "model.safetensors"), bad / "pytorch_model.bin")
    (bad / "model.safetensors").unlink()
    with pytest.raises(OSError, match="model.safetensors"):
        TeacherModel(bad)


def test_bad_training_input_is_named(tmp_path: Path, tiny_bert: Path) -> None:
    cfg = TeacherConfig(bert=str(tiny_bert), **TINY)
    with pytest.raises(ValueError, match="text 1: label 'PRICE'"):
        train_teacher(cfg, ["Ford Focus", "9500 Ford"], [[], [(0, 4, "PRICE")]], ["MAKE"], tmp_path / "x")
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        train_teacher(TeacherConfig(bert="./nope"), ["Ford"], [[]], ["MAKE"], tmp_path / "y")
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------------------- the real default MiniLM
HARD_TEXTS = [
    ("2016 BMW 320d xDrive Touring – Sport Line", ["2016", "BMW", "320d", "xDrive"]),
    ("Mercedes-Benz GLC 300 4MATIC 🚗 low miles", ["Mercedes-Benz", "GLC 300", "4MATIC"]),
    ("Citroën C4 Picasso 1.6 HDi — Škoda-free zone", ["Citroën", "C4 Picasso", "1.6 HDi"]),
    ("Škoda Octavia vRS 2.0 TSI\u200b DSG", ["Škoda", "Octavia", "vRS", "DSG"]),
]
HARD_LABELS = ["MAKE", "MODEL", "YEAR", "TRIM", "ENGINE", "TRANSMISSION", "DRIVETRAIN"]


def _gold(text: str, entities: list[str]) -> list[tuple[int, int, str]]:
    spans, pos = [], 0
    for i, ent in enumerate(entities):
        start = text.index(ent, pos)
        spans.append((start, start + len(ent), HARD_LABELS[i % len(HARD_LABELS)]))
        pos = start + len(ent)
    return spans


@pytest.fixture(scope="module")
def minilm(monkeypatch_module=None) -> tuple[object, object]:
    """The packaged all-MiniLM-L6-v2, loaded from local files only (no hub, no training)."""
    return _load_pretrained(TeacherConfig(), bio_labels(HARD_LABELS))


def test_minilm_loads_offline_and_sub_words_map_back_to_exact_entities(minilm) -> None:
    tokenizer, model = minilm
    assert tokenizer.is_fast and model.config.num_hidden_layers == 6 and model.config.hidden_size == 384
    tags = bio_labels(HARD_LABELS)
    tag_ids = {t: i for i, t in enumerate(tags)}
    split_words = 0
    for text, entities in HARD_TEXTS:
        gold = _gold(text, entities)
        offsets = model_words(text)
        words = [text[s:e] for s, e in offsets]
        enc = _encode(tokenizer, [words], 128)
        word_ids = enc.word_ids(0)
        split_words += sum(word_ids.count(w) > 1 for w in set(word_ids) if w is not None)
        labels = _first_subword_labels(word_ids, [tag_ids[t] for t in spans_to_bio(offsets, gold)])
        # what a perfect model would output at each sub-word: its training label (junk where ignored)
        token_probs = np.full((len(word_ids), len(tags)), 1.0 / len(tags), dtype=np.float32)
        for pos, lab in enumerate(labels):
            if lab != -100:
                token_probs[pos] = np.eye(len(tags))[lab]
        probs = gather_word_probs(word_ids, token_probs, len(offsets), tags.index("O"))
        spans = bio_to_spans(offsets, [tags[j] for j in probs.argmax(axis=1)])
        assert spans == gold
        assert [text[s:e] for s, e, _ in spans] == entities
    assert split_words >= 6  # 320d, 4MATIC, Citroën, Škoda, ... really are several sub-words


def test_minilm_predicts_offsets_on_non_ascii_text(minilm) -> None:
    tokenizer, model = minilm
    tags = bio_labels(HARD_LABELS)
    enc = _Encoder(tokenizer, model, tags, "cpu", 128, tokenizer.mask_token)
    texts = [t for t, _ in HARD_TEXTS] + ["2019 [MASK] Golf GTI"]
    preds = enc.predict(texts, batch_size=2)
    for text, pred in zip(texts, preds, strict=True):
        assert [text[s:e] for s, e in pred.word_offsets] == [text[s:e] for s, e in model_words(text)]
        assert np.allclose(pred.probs.sum(axis=1), 1.0, atol=1e-3)
        starts = {s for s, _ in pred.word_offsets}
        ends = {e for _, e in pred.word_offsets}
        assert all(s in starts and e in ends for s, e, _ in pred.spans)
    zero_width = model_words(texts[3]).index((25, 26))  # "\u200b" has no sub-word: one-hot O
    assert preds[3].probs[zero_width].tolist() == np.eye(len(tags))[0].tolist()
    assert "[MASK]" in [texts[-1][s:e] for s, e in preds[-1].word_offsets]
