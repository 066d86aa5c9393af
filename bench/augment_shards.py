"""Sharded augmentation: lab code for spreading `training.augment.augment` over processes or machines.

The product's augment step (`training.chain`) runs `augment` in one process; `bench/runners.py` and
`bench/dask_augment.py` measure what splitting it into shards on Prefect task runners buys.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from carner.annotation.labels import Span
from carner.training.artifacts import atomic_file, write_json_atomic
from carner.training.augment import (
    AUGMENTED_FILE,
    MANIFEST_FILE,
    AugmentConfig,
    Augmenter,
    AugmentManifest,
    _new_variants,
    _text_key,
    collect_values,
    validate_spans,
    variants_per_text,
)
from carner.training.provenance import provenance

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- sharded augmentation
#
# `augment` de-duplicates across all texts in order, so it cannot be split as is. The sharded path
# splits the training texts into `n_shards` contiguous index ranges; shard k augments its range
# alone (de-duplicated within the shard) into its own JSONL file, and `merge_shards` concatenates the
# files in shard order, dropping a line whose text an earlier line already had (the same 8-byte text
# digests as `augment`, first occurrence kept). Every text keeps its own RNG seeded from
# (cfg.seed, text index) — what `augment` uses — so shard k's seeds follow from (cfg.seed, k, n_shards)
# alone: the output depends on (seed, number of shards), never on the runner, worker count or the
# order shards finish in; with one shard it is byte-for-byte `augment`'s file. Substitution values
# come from all training texts in every shard, as in `augment`. Lines are `augment`'s format.

SHARD_DIR = "shards"


def shard_bounds(n_texts: int, k: int, n_shards: int) -> tuple[int, int]:
    """Text index range `[start, stop)` of shard `k` of `n_shards` (contiguous, sizes differ by <= 1)."""
    if n_shards < 1 or not 0 <= k < n_shards:
        raise ValueError(f"shard {k} of {n_shards}: need n_shards >= 1 and 0 <= k < n_shards")
    return k * n_texts // n_shards, (k + 1) * n_texts // n_shards


def shard_file_name(k: int, n_shards: int) -> str:
    return f"shard-{k:05d}-of-{n_shards:05d}.jsonl"


@dataclass
class ShardResult:
    """What one shard wrote: enough for `merge_shards` to write `augment`'s manifest."""

    path: str
    k: int
    n_shards: int
    start: int
    stop: int
    n_written: int
    n_original: int
    n_masked_words: int
    n_substituted: int
    n_shuffled: int
    seconds: float
    # sources whose original text this shard did not write (a duplicate of an earlier text in the shard)
    skipped_originals: list[int] = field(default_factory=list)
    values_per_label: dict[str, int] = field(default_factory=dict)
    n_planned: int | None = None  # variants asked for (n_iter per text, more for rare-label texts)


def _augmented_line(text: str, spans: list[Span], source: int) -> str:
    """One output line, exactly as `augment` writes it."""
    return json.dumps({"text": text, "label": [list(s) for s in spans], "source": source}, ensure_ascii=False)


def augment_shard(
    cfg: AugmentConfig,
    texts: list[str],
    spans: list[list[Span]],
    out_path: Path,
    *,
    k: int,
    n_shards: int,
    values: dict[str, list[str]] | None = None,
) -> ShardResult:
    """Augment shard `k` of `n_shards` of `texts` (all of them given) into `out_path`, streamed, atomic.

    Texts `shard_bounds(len(texts), k, n_shards)` only; `values` (substitutes per label) default to
    `collect_values` over all texts, as in `augment`. Lines carry the global source index.
    """
    if len(texts) != len(spans):
        raise ValueError(f"{len(texts)} texts but {len(spans)} span lists")
    start, stop = shard_bounds(len(texts), k, n_shards)
    started = time.perf_counter()
    values = values if values is not None else collect_values(texts, spans)
    aug = Augmenter(cfg, values)
    counts = variants_per_text(cfg, [list(s) for s in spans])
    out_path = Path(out_path)
    seen: set[bytes] = set()
    written = originals = 0
    skipped: list[int] = []
    with atomic_file(out_path, "w", encoding="utf-8") as fh:
        for i in range(start, stop):
            text = texts[i]
            text_spans = validate_spans(text, spans[i], f"text {i}")
            if cfg.include_original:
                key = _text_key(text)
                if key in seen:
                    skipped.append(i)
                else:
                    seen.add(key)
                    fh.write(_augmented_line(text, text_spans, i) + "\n")
                    written += 1
                    originals += 1
            for new_text, new_spans in _new_variants(aug, cfg, i, text, text_spans, seen, counts[i]):
                fh.write(_augmented_line(new_text, new_spans, i) + "\n")
                written += 1
    return ShardResult(
        path=str(out_path),
        k=k,
        n_shards=n_shards,
        start=start,
        stop=stop,
        n_written=written,
        n_original=originals,
        n_masked_words=aug.counts["masked"],
        n_substituted=aug.counts["substituted"],
        n_shuffled=aug.counts["shuffled"],
        seconds=round(time.perf_counter() - started, 3),
        skipped_originals=skipped,
        values_per_label={label: len(v) for label, v in values.items()},
        n_planned=sum(counts[start:stop]),
    )


def merge_shards(
    cfg: AugmentConfig,
    shards: list[ShardResult],
    out_dir: Path,
    *,
    remove_shards: bool = False,
    seconds: float | None = None,
) -> AugmentManifest:
    """Concatenate shard files in shard order into `out_dir/augmented.jsonl` (+ `manifest.json`).

    A line whose text an earlier line (any shard) already had is dropped, as `augment` drops it; the
    others are copied byte for byte. Streams line by line (only 8-byte digests are kept) and replaces
    the target atomically. `shards` must be all shards 0..n-1 of one split (any order).
    """
    ordered = sorted(shards, key=lambda s: s.k)
    if not ordered:
        raise ValueError("no shards to merge")
    n_shards = ordered[0].n_shards
    if [s.k for s in ordered] != list(range(n_shards)) or any(s.n_shards != n_shards for s in ordered):
        raise ValueError(f"need shards 0..{n_shards - 1} of one split, got {[s.k for s in ordered]}")
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        if prev.stop != nxt.start:
            raise ValueError(f"shard {nxt.k} starts at text {nxt.start}, shard {prev.k} stops at {prev.stop}")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    target = out_dir / AUGMENTED_FILE
    n_input = ordered[-1].stop - ordered[0].start
    seen: set[bytes] = set()
    written = originals = 0
    with atomic_file(target, "w", encoding="utf-8") as out:
        for shard in ordered:
            skipped = set(shard.skipped_originals)
            last_source = -1
            with open(shard.path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    try:
                        obj = json.loads(line)
                        text, source = obj["text"], int(obj["source"])
                    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                        raise ValueError(f"{shard.path}:{lineno}: not a shard line ({exc})") from exc
                    # the original of a source is the first line the shard wrote for it, if any
                    first = source != last_source
                    last_source = source
                    key = _text_key(text)
                    if key in seen:
                        continue
                    seen.add(key)
                    out.write(line if line.endswith("\n") else line + "\n")
                    written += 1
                    originals += int(cfg.include_original and first and source not in skipped)
    if remove_shards:
        for shard in ordered:
            Path(shard.path).unlink(missing_ok=True)
        for folder in {Path(shard.path).parent for shard in ordered}:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    planned = [s.n_planned for s in ordered]
    variants = sum(planned) if None not in planned else n_input * cfg.n_iter  # type: ignore[arg-type]
    expected = variants + n_input * int(cfg.include_original)
    manifest = AugmentManifest(
        path=str(target),
        n_input=n_input,
        n_written=written,
        n_original=originals,
        n_duplicates=expected - written,
        n_masked_words=sum(s.n_masked_words for s in ordered),
        n_substituted=sum(s.n_substituted for s in ordered),
        n_shuffled=sum(s.n_shuffled for s in ordered),
        seconds=round(seconds if seconds is not None else time.perf_counter() - started, 3),
        config=asdict(cfg),
        values_per_label=dict(ordered[0].values_per_label),
    )
    write_json_atomic(
        out_dir / MANIFEST_FILE,
        {**asdict(manifest), "n_shards": n_shards, "provenance": provenance()},
    )
    log.info("augment: %d texts, %d shards -> %d lines in %s", n_input, n_shards, written, target)
    return manifest


def augment_sharded(
    cfg: AugmentConfig,
    texts: list[str],
    spans: list[list[Span]],
    out_dir: Path,
    n_shards: int,
    *,
    remove_shards: bool = True,
) -> AugmentManifest:
    """Every shard in this process, then `merge_shards`: the reference the parallel runners must equal."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    values = collect_values(texts, spans)
    shards = [
        augment_shard(
            cfg,
            texts,
            spans,
            out_dir / SHARD_DIR / shard_file_name(k, n_shards),
            k=k,
            n_shards=n_shards,
            values=values,
        )
        for k in range(n_shards)
    ]
    return merge_shards(
        cfg, shards, out_dir, remove_shards=remove_shards, seconds=time.perf_counter() - started
    )
