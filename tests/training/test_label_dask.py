"""Teacher labelling on Dask worker processes (`training.label_dask`, the label step's dask executor).

The labelled set written chunk by chunk by the workers must equal `label_file`'s sequential output
and be `label_file`'s own format (a later `label_file` finds every chunk done); a lost chunk is
labelled again, the others kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from carner.training.augment import AugmentConfig, augment
from carner.training.label import LabelConfig, iter_labelled, label_file
from carner.training.label_dask import label_file_dask
from carner.training.teacher import TeacherConfig, TeacherModel, _load_pretrained, save_teacher
from carner.training.tokens import bio_labels

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles

CHUNK = 60
CFG = LabelConfig(chunk_size=CHUNK, progress=False)


@pytest.fixture(scope="module")
def teacher_and_texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny-BERT teacher (untrained weights: labelling only has to be deterministic) and ~280 texts."""
    quiet_transformers()
    root = tmp_path_factory.mktemp("label-dask")
    texts, spans, labels = sandbox_titles(40, seed=9)
    augment(AugmentConfig(n_iter=6, seed=1), texts, spans, root / "aug", progress=False)
    bert = build_tiny_bert(texts, root / "bert")
    cfg = TeacherConfig(bert=str(bert), progress=False)
    tokenizer, model = _load_pretrained(cfg, bio_labels(labels))
    save_teacher(cfg, model, tokenizer, labels, root / "teacher")
    sequential = label_file(CFG, TeacherModel(root / "teacher"), root / "aug", root / "seq")
    assert sequential.complete and sequential.n_chunks >= 4
    return {"root": root, "teacher": root / "teacher", "aug": root / "aug", "seq": root / "seq"}


def assert_same_labels(a: Path, b: Path) -> None:
    left, right = list(iter_labelled(a)), list(iter_labelled(b))
    assert len(left) == len(right) > 0
    for x, y in zip(left, right, strict=True):
        assert (x.text, x.spans, x.word_offsets) == (y.text, y.spans, y.word_offsets)
        np.testing.assert_allclose(x.probs, y.probs, atol=2e-3)  # float16 on disk; thread counts differ


def test_dask_labelling_in_two_processes_equals_sequential_and_resumes(teacher_and_texts) -> None:
    t = teacher_and_texts
    out = t["root"] / "dask"
    result = label_file_dask(CFG, t["teacher"], t["aug"], out, workers=2)
    assert result.complete and result.chunks_labelled == result.n_chunks >= 4
    assert_same_labels(t["seq"], out)
    # label_file's own format: resuming finds every chunk done and labels nothing
    again = label_file(CFG, TeacherModel(t["teacher"]), t["aug"], out)
    assert (again.chunks_labelled, again.chunks_skipped, again.complete) == (0, result.n_chunks, True)
    # a lost chunk is labelled again, the others are kept
    (out / "chunk-00001.npz").unlink()
    second = label_file_dask(CFG, t["teacher"], t["aug"], out, workers=2)
    assert (second.chunks_labelled, second.chunks_skipped) == (1, result.n_chunks - 1)
    assert_same_labels(t["seq"], out)
