"""Sharded augmentation (`augment_shard` + `merge_shards`): what the parallel runners are built on.

One shard is `augment`'s file byte for byte; n shards give one output per (seed, n), whatever the
order the shards are merged in, with every span aligned and no duplicate text, in `augment`'s format.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.augment import (  # noqa: E402
    AugmentConfig,
    augment,
    collect_values,
    model_words,
    read_augmented,
    validate_spans,
)

from bench.augment_shards import (  # noqa: E402
    SHARD_DIR,
    augment_shard,
    augment_sharded,
    merge_shards,
    shard_bounds,
    shard_file_name,
)
from tests.support.tiny_bert import sandbox_titles  # noqa: E402

CFG = AugmentConfig(n_iter=8, seed=5)


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[list]]:
    texts, spans, _ = sandbox_titles(120, seed=11)
    return texts, spans


def assert_valid_output(path: Path, texts: list[str], spans: list[list]) -> list[dict]:
    """Every line in augment's format, every span a training value of its label, no duplicate text."""
    values = {label: set(v) for label, v in collect_values(texts, spans).items()}
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines and all(set(obj) == {"text", "label", "source"} for obj in lines)
    assert len({obj["text"] for obj in lines}) == len(lines), "duplicate texts"
    sources = [obj["source"] for obj in lines]
    assert sources == sorted(sources), "lines in source order"
    for obj in lines:
        text = obj["text"]
        assert validate_spans(text, obj["label"], "line") == sorted(tuple(s) for s in obj["label"])
        starts = {s for s, _ in model_words(text)}
        ends = {e for _, e in model_words(text)}
        for s, e, label in obj["label"]:
            assert text[s:e] in values[label], (text, text[s:e], label)
            assert s in starts and e in ends
    assert [t for t, _ in read_augmented(path)] == [obj["text"] for obj in lines]
    return lines


def test_shard_bounds_cover_every_text_once() -> None:
    for n_texts in (0, 1, 7, 120):
        for n_shards in (1, 3, 8):
            ranges = [shard_bounds(n_texts, k, n_shards) for k in range(n_shards)]
            assert ranges[0][0] == 0 and ranges[-1][1] == n_texts
            assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
            assert max(b - a for a, b in ranges) - min(b - a for a, b in ranges) <= 1
    with pytest.raises(ValueError):
        shard_bounds(10, 3, 3)


def test_one_shard_is_augments_file_byte_for_byte(data, tmp_path) -> None:
    texts, spans = data
    seq = augment(CFG, texts, spans, tmp_path / "seq", progress=False)
    one = augment_sharded(CFG, texts, spans, tmp_path / "one", 1)
    assert Path(one.path).read_bytes() == Path(seq.path).read_bytes()
    assert (one.n_written, one.n_original, one.n_duplicates) == (
        seq.n_written,
        seq.n_original,
        seq.n_duplicates,
    )
    assert (one.n_masked_words, one.n_substituted, one.n_shuffled) == (
        seq.n_masked_words,
        seq.n_substituted,
        seq.n_shuffled,
    )
    assert not (tmp_path / "one" / SHARD_DIR).exists()  # shard files merged, then removed


def test_sharded_output_is_valid_deterministic_and_order_free(data, tmp_path) -> None:
    texts, spans = data
    a = augment_sharded(CFG, texts, spans, tmp_path / "a", 4)
    b = augment_sharded(CFG, texts, spans, tmp_path / "b", 4)
    assert Path(a.path).read_bytes() == Path(b.path).read_bytes(), "same seed and shards -> same bytes"
    lines = assert_valid_output(Path(a.path), texts, spans)
    assert a.n_written == len(lines) and a.n_input == len(texts)
    # each distinct title is written once: as its own original, or earlier as another title's variant
    # (a same-label swap can produce an existing title), which is then not counted as an original
    written = {obj["text"]: obj["source"] for obj in lines}
    assert set(texts) <= set(written)
    originals = sum(written[t] == min(i for i, x in enumerate(texts) if x == t) for t in set(texts))
    assert a.n_original == originals
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["n_shards"] == 4 and manifest["n_written"] == len(lines)

    # shards done in any order (as workers finish) and merged: the same bytes
    values = collect_values(texts, spans)
    shard_dir = tmp_path / "c" / SHARD_DIR
    results = [
        augment_shard(CFG, texts, spans, shard_dir / shard_file_name(k, 4), k=k, n_shards=4, values=values)
        for k in (3, 1, 0, 2)
    ]
    c = merge_shards(CFG, results, tmp_path / "c")
    assert Path(c.path).read_bytes() == Path(a.path).read_bytes()
    with pytest.raises(ValueError, match="need shards"):
        merge_shards(CFG, results[:3], tmp_path / "d")

    other = augment_sharded(AugmentConfig(n_iter=8, seed=6), texts, spans, tmp_path / "e", 4)
    assert Path(other.path).read_bytes() != Path(a.path).read_bytes()


def test_duplicates_across_shards_are_dropped_as_augment_drops_them(data, tmp_path) -> None:
    texts, spans = data
    # the first titles again at the end (another shard): their originals are duplicates
    texts2, spans2 = texts[:40] + texts[:5], spans[:40] + spans[:5]
    seq = augment(CFG, texts2, spans2, tmp_path / "seq", progress=False)
    par = augment_sharded(CFG, texts2, spans2, tmp_path / "par", 3)
    assert par.n_original == seq.n_original == 40
    lines = assert_valid_output(Path(par.path), texts2, spans2)
    assert par.n_written == len(lines) and par.n_duplicates == 45 * (CFG.n_iter + 1) - len(lines)
    # a shard alone repeats a title of its own only once too
    inner = augment_sharded(CFG, texts[:3] + texts[:3], spans[:3] + spans[:3], tmp_path / "inner", 1)
    assert inner.n_original == 3
