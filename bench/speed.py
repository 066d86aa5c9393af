"""Teacher and students timed in one process, passes interleaved: speed ratios that share one CPU state.

    .venv/bin/python bench/speed.py --models DIR/models --data DIR/data [--reference teacher] [--repeats 3]

`--models` takes model directories or directories holding them (`models/<kind>/<key>`); each model is
read as every carner door reads it (`training.models.load_model`, spans snapped to the catalogue).

Why: `training.evaluate.measure_speed` times each model on its own; on a shared CPU the load moves
between one model's timing and the next, and a ratio of two such figures measures the neighbours
as much as the models (the research-scale ratios swung 9-14x at batch 1 across runs). Here every
repeat times each model once at batch 1 and once at `batch_size`, one after the other, and the
ratio to the reference model is taken within each repeat; the report keeps the fastest pass per
model (as `timeit` advises) and the range of the per-repeat ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SPEED_TEXTS = 1000
REPEATS = 3


def _pass(model: Any, texts: Sequence[str], batch_size: int) -> float:
    t0 = time.perf_counter()
    if batch_size == 1:
        for t in texts:
            model.predict([t])
    else:
        for i in range(0, len(texts), batch_size):
            model.predict(list(texts[i : i + batch_size]))
    return time.perf_counter() - t0


def compare_speed(
    models: Mapping[str, Any],
    texts: Sequence[str],
    *,
    reference: str,
    n_texts: int = SPEED_TEXTS,
    batch_size: int = 64,
    repeats: int = REPEATS,
) -> dict[str, Any]:
    """Texts/s at batch 1 and `batch_size` per model (best pass) and each model's speed-up over
    `reference` (best / best, and min-max over the repeats), `n_texts` texts cycled from `texts`."""
    if reference not in models:
        raise ValueError(f"reference model {reference!r} not among {sorted(models)}")
    if not texts or repeats < 1 or n_texts < 1:
        raise ValueError("compare_speed needs texts, repeats >= 1 and n_texts >= 1")
    pool = [texts[i % len(texts)] for i in range(n_texts)]
    for model in models.values():  # warm-up: lazy init, caches, thread pools
        model.predict(pool[:batch_size])
        for t in pool[:10]:
            model.predict([t])
    sizes = (1, batch_size)
    seconds: dict[str, dict[int, list[float]]] = {name: {b: [] for b in sizes} for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            for b in sizes:
                seconds[name][b].append(_pass(model, pool, b))
    out: dict[str, Any] = {"n_texts": n_texts, "repeats": repeats, "reference": reference, "models": {}}
    ref = seconds[reference]
    for name in models:
        row: dict[str, Any] = {}
        for b in sizes:
            row[f"texts_per_s_batch{b}"] = n_texts / min(seconds[name][b])
            per_repeat = [r / s for r, s in zip(ref[b], seconds[name][b], strict=True)]
            row[f"speedup_batch{b}"] = min(ref[b]) / min(seconds[name][b])
            row[f"speedup_batch{b}_range"] = [min(per_repeat), max(per_repeat)]
        out["models"][name] = row
    return out


def _model_dirs(paths: Sequence[Path]) -> dict[str, Path]:
    """kind -> model directory, from model directories or folders holding `<kind>/<key>` ones."""
    found: dict[str, Path] = {}
    for path in paths:
        if (path / "meta.json").is_file() or (path / "config.json").is_file():
            found[path.parent.name] = path
            continue
        for meta in sorted(path.glob("*/*/metrics.json")):
            found.setdefault(meta.parent.parent.name, meta.parent)
    return found


def main(argv: list[str] | None = None) -> int:
    from carner.training.models import load_model
    from carner.training.npy_io import load_npy_dataset

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=Path, nargs="+", required=True)
    ap.add_argument("--data", type=Path, required=True, help="dataset directory: its test titles are timed")
    ap.add_argument("--reference", default="teacher")
    ap.add_argument("--texts", type=int, default=SPEED_TEXTS)
    ap.add_argument("--repeats", type=int, default=REPEATS)
    args = ap.parse_args(argv)
    dirs = _model_dirs(args.models)
    if args.reference not in dirs:
        ap.error(f"no {args.reference!r} model under {', '.join(map(str, args.models))}")
    models = {kind: load_model(path) for kind, path in sorted(dirs.items())}
    texts = load_npy_dataset(args.data).test_texts
    result = compare_speed(models, texts, reference=args.reference, n_texts=args.texts, repeats=args.repeats)
    n, repeats = result["n_texts"], result["repeats"]
    print(f"{n} test titles, {repeats} interleaved repeats, ratios to {args.reference}")
    print("| Model | Texts/s (batch 1) | Texts/s (batch 64) | × ref. (batch 1) | × ref. (batch 64) |")
    print("|---|---:|---:|---:|---:|")
    for kind, row in result["models"].items():
        lo1, hi1 = row["speedup_batch1_range"]
        lo64, hi64 = row["speedup_batch64_range"]
        ratio1 = f"{row['speedup_batch1']:.1f} ({lo1:.1f}–{hi1:.1f})"
        ratio64 = f"{row['speedup_batch64']:.1f} ({lo64:.1f}–{hi64:.1f})"
        speeds = f"{row['texts_per_s_batch1']:,.0f} | {row['texts_per_s_batch64']:,.0f}"
        print(f"| {kind} | {speeds} | {ratio1} | {ratio64} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
