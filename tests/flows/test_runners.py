"""Task runner selection and teacher labelling across processes with Dask (prefect-dask).

The labelled set written chunk-by-chunk by Dask worker processes must equal `label_file`'s
sequential output, and be `label_file`'s own format (a later `label_file` finds every chunk done).
Sharded augmentation on threads and on two Dask processes must write the same bytes as the in-process
`augment_sharded` with the same shard count.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from carner.flows.runners import make_task_runner, run_augment_parallel, run_label_parallel
from carner.training.augment import AugmentConfig, augment, augment_sharded, collect_values, read_augmented
from carner.training.label import LabelConfig, iter_labelled, label_file
from carner.training.teacher import TeacherConfig, TeacherModel, _load_pretrained, save_teacher
from carner.training.tokens import bio_labels

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles

CHUNK = 60


@pytest.fixture(scope="module")
def teacher_and_texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny-BERT teacher (untrained weights: labelling only has to be deterministic) and ~280 texts."""
    quiet_transformers()
    root = tmp_path_factory.mktemp("runners")
    texts, spans, labels = sandbox_titles(40, seed=9)
    augment(AugmentConfig(n_iter=6, seed=1), texts, spans, root / "aug", progress=False)
    bert = build_tiny_bert(texts, root / "bert")
    cfg = TeacherConfig(bert=str(bert), progress=False)
    tokenizer, model = _load_pretrained(cfg, bio_labels(labels))
    save_teacher(cfg, model, tokenizer, labels, root / "teacher")
    sequential = label_file(
        LabelConfig(chunk_size=CHUNK, progress=False),
        TeacherModel(root / "teacher"),
        root / "aug",
        root / "seq",
    )
    assert sequential.complete and sequential.n_chunks >= 4
    return {"root": root, "teacher": root / "teacher", "aug": root / "aug", "seq": root / "seq"}


def assert_same_labels(a: Path, b: Path) -> None:
    left, right = list(iter_labelled(a)), list(iter_labelled(b))
    assert len(left) == len(right) > 0
    for x, y in zip(left, right, strict=True):
        assert (x.text, x.spans, x.word_offsets) == (y.text, y.spans, y.word_offsets)
        np.testing.assert_allclose(x.probs, y.probs, atol=2e-3)  # float16 on disk; thread counts differ


def test_make_task_runner_kinds() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(make_task_runner("default"), ThreadPoolTaskRunner)
    assert make_task_runner("thread", workers=3)._max_workers == 3
    assert isinstance(make_task_runner("dask", workers=2), DaskTaskRunner)
    assert isinstance(make_task_runner("dask", address="tcp://10.0.0.5:8786"), DaskTaskRunner)
    with pytest.raises(ValueError, match="unknown task runner"):
        make_task_runner("ray")


def test_dask_labelling_in_two_processes_equals_sequential(prefect_harness, teacher_and_texts) -> None:
    t = teacher_and_texts
    out = t["root"] / "dask"
    result = run_label_parallel(t["teacher"], t["aug"], out, runner="dask", workers=2, chunk_size=CHUNK)
    assert result["complete"] and result["chunks_labelled"] == result["n_chunks"] >= 4
    assert result["processes"] == 2  # the chunks really ran in two worker processes
    assert_same_labels(t["seq"], out)
    # label_file's own format: resuming finds every chunk done and labels nothing
    again = label_file(
        LabelConfig(chunk_size=CHUNK, progress=False), TeacherModel(t["teacher"]), t["aug"], out
    )
    assert (again.chunks_labelled, again.chunks_skipped, again.complete) == (0, result["n_chunks"], True)


def test_thread_runner_labelling_resumes(prefect_harness, teacher_and_texts) -> None:
    t = teacher_and_texts
    out = t["root"] / "threads"
    first = run_label_parallel(t["teacher"], t["aug"], out, runner="thread", workers=2, chunk_size=CHUNK)
    assert first["complete"] and first["processes"] == 1
    (out / "chunk-00001.npz").unlink()  # a lost chunk is labelled again, the others are kept
    second = run_label_parallel(t["teacher"], t["aug"], out, runner="thread", workers=2, chunk_size=CHUNK)
    assert (second["chunks_labelled"], second["chunks_skipped"]) == (1, first["n_chunks"] - 1)
    assert_same_labels(t["seq"], out)


# ----------------------------------------------------------------------------- parallel augmentation

AUG_CFG = AugmentConfig(n_iter=5, seed=4)
AUG_SHARDS = 3


@pytest.fixture(scope="module")
def aug_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """30 sandbox titles, and the in-process sharded reference (`augment_sharded`, same shard count)."""
    root = tmp_path_factory.mktemp("aug-runners")
    texts, spans, _ = sandbox_titles(30, seed=3)
    ref = augment_sharded(AUG_CFG, texts, spans, root / "ref", AUG_SHARDS)
    return {"root": root, "texts": texts, "spans": spans, "ref": Path(ref.path)}


def assert_aligned_unique(path: Path, texts: list[str], spans: list[list]) -> int:
    values = {label: set(v) for label, v in collect_values(texts, spans).items()}
    seen = set()
    for text, text_spans in read_augmented(path):
        assert text not in seen
        seen.add(text)
        for s, e, label in text_spans:
            assert text[s:e] in values[label], (text, text[s:e], label)
    return len(seen)


def test_thread_and_dask_augmentation_write_the_same_bytes(prefect_harness, aug_inputs) -> None:
    a = aug_inputs
    inputs = (a["texts"], a["spans"])
    threads = run_augment_parallel(
        inputs, a["root"] / "threads", AUG_CFG, runner="thread", workers=2, shards=AUG_SHARDS
    )
    dask = run_augment_parallel(
        inputs, a["root"] / "dask", AUG_CFG, runner="dask", workers=2, shards=AUG_SHARDS
    )
    assert threads["processes"] == 1 and dask["processes"] == 2  # shards really ran in two processes
    ref = a["ref"].read_bytes()
    assert Path(threads["path"]).read_bytes() == ref
    assert Path(dask["path"]).read_bytes() == ref
    n = assert_aligned_unique(Path(dask["path"]), a["texts"], a["spans"])
    assert n == dask["n_written"] == threads["n_written"] > len(a["texts"])
    assert dask["n_shards"] == AUG_SHARDS
    # nothing left beside augment's own files
    assert sorted(p.name for p in (a["root"] / "dask").iterdir()) == ["augmented.jsonl", "manifest.json"]


def test_augmentation_runner_reads_a_jsonl_and_repeats_itself(prefect_harness, aug_inputs, tmp_path) -> None:
    a = aug_inputs
    source = tmp_path / "train.jsonl"
    source.write_text(
        "".join(
            json.dumps({"text": t, "label": [list(x) for x in s]}) + "\n"
            for t, s in zip(a["texts"], a["spans"], strict=True)
        ),
        encoding="utf-8",
    )
    first = run_augment_parallel(
        source, tmp_path / "one", AUG_CFG, runner="thread", workers=1, shards=AUG_SHARDS
    )
    second = run_augment_parallel(
        source, tmp_path / "two", AUG_CFG, runner="thread", workers=3, shards=AUG_SHARDS
    )
    assert Path(first["path"]).read_bytes() == Path(second["path"]).read_bytes() == a["ref"].read_bytes()
    # a different seed is a different set
    other = run_augment_parallel(
        source, tmp_path / "other", {"n_iter": 5, "seed": 5}, runner="thread", shards=AUG_SHARDS
    )
    assert Path(other["path"]).read_bytes() != a["ref"].read_bytes()
