"""Task runner selection and sharded augmentation across processes with Dask (prefect-dask).

Sharded augmentation on threads and on two Dask processes must write the same bytes as the in-process
`augment_sharded` with the same shard count.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from carner.training.augment import AugmentConfig, collect_values, read_augmented

from bench.augment_shards import augment_sharded
from bench.runners import make_task_runner, run_augment_parallel
from tests.support.tiny_bert import sandbox_titles


def test_make_task_runner_kinds() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(make_task_runner("default"), ThreadPoolTaskRunner)
    assert make_task_runner("thread", workers=3)._max_workers == 3
    assert isinstance(make_task_runner("dask", workers=2), DaskTaskRunner)
    assert isinstance(make_task_runner("dask", address="tcp://10.0.0.5:8786"), DaskTaskRunner)
    with pytest.raises(ValueError, match="unknown task runner"):
        make_task_runner("ray")


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
