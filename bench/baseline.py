"""The spaCy baseline at demo scale: dataset from sandbox listings, training, evaluation, figures.

    .venv/bin/python bench/baseline.py [--n 4000] [--epochs 15] [--seed 0] [--out /tmp/carner-bench]

Prints a Markdown table: micro/macro P/R/F1 next to a dictionary-lookup floor, per-label P/R/F1,
size on disk, CPU texts/s at batch 1 and 64, latency p50/p95, and the training time.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carner.scraper.sandbox.generator import generate_listings  # noqa: E402
from carner.training.dataset import build_dataset, records_from_listings  # noqa: E402
from carner.training.evaluate import dictionary_floor, score_spans  # noqa: E402
from carner.training.npy_io import load_npy_dataset  # noqa: E402

from bench.common import chain_baseline  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000, help="sandbox listings (the research had ~4k texts)")
    parser.add_argument("--test-size", type=float, default=0.5, help="share of texts in the test split")
    parser.add_argument("--epochs", type=int, default=15, help="training epochs (research: 15)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], help="spaCy override section.key=value")
    parser.add_argument("--out", type=Path, default=None, help="work directory (default: a temp dir)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    work = args.out or Path(tempfile.mkdtemp(prefix="carner-bench-"))
    t0 = time.perf_counter()
    manifest = build_dataset(
        records_from_listings(generate_listings(args.n, seed=args.seed)),
        work / "data",
        args.test_size,
        args.seed,
    )
    t_data = time.perf_counter() - t0
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = float(value) if value.replace(".", "", 1).isdigit() else value
    model, m = chain_baseline(
        work / "data", work, epochs=args.epochs, seed=args.seed, overrides=overrides, speed=True
    )
    trained = m["training"]
    ds = load_npy_dataset(work / "data")
    floor = score_spans(
        ds.test_spans, dictionary_floor(ds.train_texts, ds.train_spans, ds.test_texts), ds.labels
    )

    c = manifest.counts
    print(
        f"## spaCy baseline — {c['train']['texts']} train / {c['test']['texts']} test texts "
        f"(sandbox n={args.n}, seed {args.seed}), {args.epochs} epochs\n"
    )
    print(
        f"dataset {t_data:.1f} s; training {trained['seconds']:.1f} s ({trained['steps']} steps, "
        f"best dev F1 {trained['best_dev_f1']:.3f})\n"
    )
    print("| model | micro P | micro R | micro F1 | macro P | macro R | macro F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, s in (("baseline", m), ("dictionary floor", floor)):
        mi, ma = s["micro"], s["macro"]
        print(
            f"| {name} | {mi['precision']:.3f} | {mi['recall']:.3f} | {mi['f1']:.3f} | "
            f"{ma['precision']:.3f} | {ma['recall']:.3f} | {ma['f1']:.3f} |"
        )
    sp = m["speed"]
    print(
        f"\nsize {m['size_bytes'] / 1e6:.1f} MB; {sp['texts_per_s_batch1']:.0f} texts/s at batch 1, "
        f"{sp['texts_per_s_batch64']:.0f} texts/s at batch 64; latency p50 {sp['latency_ms_p50']:.2f} ms, "
        f"p95 {sp['latency_ms_p95']:.2f} ms ({sp['cpu_count']} CPUs)\n"
    )
    print("| label | P | R | F1 | support | floor F1 |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, s in m["per_label"].items():
        f = floor["per_label"].get(label, {}).get("f1", 0.0)
        print(
            f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} "
            f"| {f:.3f} |"
        )
    print(f"\nmodel: {model}")


if __name__ == "__main__":
    main()
