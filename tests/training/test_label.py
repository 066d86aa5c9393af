"""Teacher labelling: chunked, resumable after an interruption without recomputing, no pickle."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.augment import AugmentConfig, augment, read_augmented  # noqa: E402
from carner.training.label import LabelConfig, iter_labelled, label_file, load_chunk, read_index  # noqa: E402
from carner.training.teacher import TeacherConfig, TeacherModel, _load_pretrained, save_teacher  # noqa: E402
from carner.training.tokens import (
    bio_labels,  # noqa: E402
    model_words,  # noqa: E402
)

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles  # noqa: E402


class Interrupted(Exception):
    """Stands for a kill (Ctrl-C, OOM, lost machine) in the middle of a chunk."""


class CountingTeacher:
    """The real teacher, counting the texts it labels; optionally dies once `die_after` texts are done."""

    def __init__(self, model: TeacherModel, die_after: int | None = None) -> None:
        self.model, self.die_after, self.texts = model, die_after, 0
        self.path, self.tags = model.path, model.tags

    def iter_predict_with_probs(
        self,
        texts: Iterable[str],
        batch_size: int | None = None,
        progress: bool = False,
        total: int | None = None,
    ) -> Iterator:
        texts = list(texts)
        if self.die_after is not None and self.texts + len(texts) > self.die_after:
            raise Interrupted
        self.texts += len(texts)
        yield from self.model.iter_predict_with_probs(texts, batch_size=batch_size)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict:
    quiet_transformers()
    root = tmp_path_factory.mktemp("label")
    texts, spans, labels = sandbox_titles(40, seed=9)
    manifest = augment(AugmentConfig(n_iter=6, seed=1), texts, spans, root / "aug", progress=False)
    bert = build_tiny_bert(texts, root / "bert")
    cfg = TeacherConfig(bert=str(bert), progress=False)
    tokenizer, model = _load_pretrained(cfg, bio_labels(labels))
    save_teacher(cfg, model, tokenizer, labels, root / "teacher")  # weights need not be trained here
    return {
        "root": root,
        "aug": root / "aug",
        "n": manifest.n_written,
        "teacher": TeacherModel(root / "teacher"),
    }


def test_chunks_hold_spans_offsets_and_distributions(setup: dict, tmp_path: Path) -> None:
    teacher = setup["teacher"]
    m = label_file(LabelConfig(chunk_size=64, batch_size=16, progress=False), teacher, setup["aug"], tmp_path)
    assert m.complete and m.n_texts == setup["n"] and m.n_chunks == -(-setup["n"] // 64)
    records = list(iter_labelled(tmp_path))
    texts = [t for t, _ in read_augmented(setup["aug"])]
    assert [r.text for r in records] == texts
    direct = teacher.predict_with_probs(texts[:30])
    for rec, pred in zip(records[:30], direct, strict=True):
        assert rec.word_offsets == model_words(rec.text) == pred.word_offsets
        assert rec.spans == pred.spans
        assert np.allclose(rec.probs, pred.probs, atol=2e-3)  # stored as float16
        assert np.allclose(rec.probs.sum(axis=1), 1.0, atol=1e-2)
    with np.load(tmp_path / "chunk-00000.npz", allow_pickle=False) as z:
        assert z["probs"].dtype == np.float16 and z["texts"].dtype.kind == "U"


def test_restart_continues_where_it_stopped_and_never_recomputes(setup: dict, tmp_path: Path) -> None:
    cfg = LabelConfig(chunk_size=50, batch_size=16, progress=False)
    n = setup["n"]
    assert n > 150
    dying = CountingTeacher(setup["teacher"], die_after=120)  # dies inside the third chunk
    with pytest.raises(Interrupted):
        label_file(cfg, dying, setup["aug"], tmp_path / "run")
    index = read_index(tmp_path / "run")
    assert [c["file"] for c in index["chunks"]] == ["chunk-00000.npz", "chunk-00001.npz"]
    assert not index["complete"] and not (tmp_path / "run" / "chunk-00002.npz").exists()
    assert not list((tmp_path / "run").glob(".*.tmp"))  # nothing half written
    with pytest.raises(ValueError, match="not finished"):
        next(iter_labelled(tmp_path / "run"))
    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "run").glob("chunk-*.npz")}

    again = CountingTeacher(setup["teacher"])
    m = label_file(cfg, again, setup["aug"], tmp_path / "run")
    assert again.texts == n - 100  # only what was missing
    assert m.complete and m.chunks_skipped == 2 and m.chunks_labelled == m.n_chunks - 2
    assert {p: (tmp_path / "run" / p).stat().st_mtime_ns for p in stamps} == stamps

    once = label_file(cfg, setup["teacher"], setup["aug"], tmp_path / "once")
    assert once.complete
    resumed, straight = list(iter_labelled(tmp_path / "run")), list(iter_labelled(tmp_path / "once"))
    assert [(r.text, r.spans, r.word_offsets) for r in resumed] == [
        (r.text, r.spans, r.word_offsets) for r in straight
    ]
    assert all(np.allclose(a.probs, b.probs, atol=2e-3) for a, b in zip(resumed, straight, strict=True))

    third = CountingTeacher(setup["teacher"])
    label_file(cfg, third, setup["aug"], tmp_path / "run")  # finished: nothing left to do
    assert third.texts == 0


def test_other_input_is_refused_unless_restarted(setup: dict, tmp_path: Path) -> None:
    cfg = LabelConfig(chunk_size=100, progress=False, max_chunks=1)
    first = label_file(cfg, setup["teacher"], setup["aug"], tmp_path / "out")
    assert first.chunks_labelled == 1 and not first.complete  # max_chunks splits a run
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"text": "2019 Ford Focus", "label": []}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="another input"):
        label_file(cfg, setup["teacher"], other, tmp_path / "out")
    m = label_file(
        LabelConfig(chunk_size=100, progress=False, restart=True), setup["teacher"], other, tmp_path / "out"
    )
    assert m.complete and m.n_texts == 1
    assert sorted(p.name for p in (tmp_path / "out").glob("chunk-*.npz")) == ["chunk-00000.npz"]
    assert [r.text for r in load_chunk(tmp_path / "out" / "chunk-00000.npz")] == ["2019 Ford Focus"]
    with pytest.raises(FileNotFoundError, match="no such input"):
        label_file(cfg, setup["teacher"], tmp_path / "missing.jsonl", tmp_path / "out2")


def test_teacher_retrained_in_place_is_not_mistaken_for_the_old_one(setup: dict, tmp_path: Path) -> None:
    """Same directory, new weights: the finished chunks hold the old teacher's labels and must go."""
    import shutil

    from safetensors.torch import load_file, save_file

    teacher_dir = tmp_path / "teacher"
    shutil.copytree(setup["teacher"].path, teacher_dir)
    cfg = LabelConfig(chunk_size=100, progress=False, max_chunks=1)
    label_file(cfg, TeacherModel(teacher_dir), setup["aug"], tmp_path / "out")
    weights = load_file(teacher_dir / "model.safetensors")
    name = next(k for k in weights if k.startswith("classifier"))
    weights[name] = weights[name] + 1.0  # "retrained": same path, other weights
    save_file(weights, teacher_dir / "model.safetensors", metadata={"format": "pt"})
    retrained = CountingTeacher(TeacherModel(teacher_dir))
    with pytest.raises(ValueError, match="another input, teacher"):
        label_file(cfg, retrained, setup["aug"], tmp_path / "out")
    m = label_file(
        LabelConfig(chunk_size=100, progress=False, restart=True), retrained, setup["aug"], tmp_path / "out"
    )
    assert m.complete and m.chunks_skipped == 0 and retrained.texts == setup["n"]  # all relabelled
