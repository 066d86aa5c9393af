"""Distillation at demo (or research) scale: baseline, teacher, both students, and student/teacher ratios.

    .venv/bin/python bench/distill.py [--scale demo|research] [--out DIR] [--threads 1]

Builds a sandbox dataset (generator gold: demo 1,000 listings, research 8,000 -> ~4k/4k), trains the
spaCy baseline and runs the training chain (`training.chain.run_chain`: teacher, augment,
teacher labelling, spaCy student on hard labels, BiLSTM student on soft labels), evaluates every model
with `training/evaluate.py`, and prints: micro/macro F1, per-label P/R, size on disk, CPU texts/s at
batch 1 and 64, the ratios student/teacher (F1, size, speed), and MAKE/YEAR accuracy on the real titles
of ../shared/data/car-titles (skipped when absent). Resumable: unchanged stages are skipped.
The goal: a student at >= 0.98x the teacher's F1, >= 20x smaller, >= 20x faster, and >= 3 F1
points above the baseline.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ResultTable,
    fmt,
    machine,
    machine_line,
    print_tables,
    ratio,
    setup_logging,
    write_results,
)

log = logging.getLogger("bench.distill")

SCALES: dict[str, dict[str, Any]] = {
    # demo: minutes on a 2-core CPU; the teacher is short (early stopping) and n_iter small
    "demo": {
        "listings": 1000,
        "teacher_epochs": 6,
        "teacher_batch": 16,
        "teacher_lr": 1e-4,
        "n_iter": 10,
        "baseline_epochs": 15,
        "spacy_epochs": 10,
        "soft_epochs": 10,
    },
    # research: 4k train / 4k test, 15 epochs, batch 32, 50 variants per text (4k -> 200k)
    "research": {
        "listings": 8000,
        "teacher_epochs": 15,
        "teacher_batch": 32,
        "teacher_lr": 5e-5,
        "n_iter": 50,
        "baseline_epochs": 15,
        "spacy_epochs": 15,
        "soft_epochs": 10,
    },
}


def build_data(data_dir: Path, n_listings: int, seed: int) -> dict[str, Any]:
    """A leak-free npy dataset from sandbox gold (the same export the database path uses)."""
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.dataset import build_dataset, read_manifest, records_from_listings

    manifest = read_manifest(data_dir)
    if manifest and manifest.get("input_records") == n_listings and manifest.get("seed") == seed:
        log.info("dataset %s unchanged, skipped", data_dir)
        return manifest
    m = build_dataset(
        records_from_listings(generate_listings(n_listings, seed)), data_dir, 0.5, seed, source="sandbox"
    )
    return read_manifest(data_dir) or {"counts": m.counts}


def run(
    scale: str,
    out: Path,
    seed: int,
    threads: int | None,
    bert: str | None,
    speed_texts: int,
    encoder_dropout: float = 0.1,
    teacher_lr: float | None = None,
) -> dict[str, Any]:
    import torch
    from carner.training.chain import run_chain
    from carner.training.plan import DEMO_PLAN, RESEARCH_PLAN

    if threads:
        torch.set_num_threads(threads)
    s = SCALES[scale]
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data_dir = out / "data"
    build_data(data_dir, s["listings"], seed)
    timings["dataset"] = round(time.perf_counter() - t0, 1)

    # the training chain (the same steps as `carner train all`), at this bench's settings
    base = DEMO_PLAN if scale == "demo" else RESEARCH_PLAN
    plan = base.model_copy(
        update={
            "seed": seed,
            "threads": threads,
            "bert": bert,
            "teacher_epochs": s["teacher_epochs"],
            "teacher_batch_size": s["teacher_batch"],
            "teacher_learning_rate": teacher_lr or s["teacher_lr"],
            "teacher_encoder_dropout": encoder_dropout,
            "teacher_max_texts": None,
            "augment_n_iter": s["n_iter"],
            "baseline_epochs": s["baseline_epochs"],
            "student_epochs": s["spacy_epochs"],
            "soft_epochs": s["soft_epochs"],
            "label_chunk_size": 5000,
            "speed_texts": speed_texts,
        }
    )
    m = run_chain(plan, data_dir, out)
    timings.update(m.seconds)
    from carner.training.metrics import read_metrics
    from carner.training.npy_io import load_npy_dataset

    ds = load_npy_dataset(data_dir)
    kinds = ["baseline", "teacher", "student-spacy", "student-soft"]
    metrics = {k: read_metrics(m.models[k]).raw for k in kinds}
    from bench.real_titles import evaluate_models

    real = evaluate_models({k: m.models[k] for k in kinds})
    aug_manifest = json.loads((Path(m.steps["augment"].out) / "manifest.json").read_text())
    return {
        "scale": scale,
        "config": s,
        "threads": threads,
        "timings_s": timings,
        "metrics": metrics,
        "real_titles": real,
        "labels": ds.labels,
        "n_train": len(ds.train_texts),
        "n_test": len(ds.test_texts),
        "n_augmented": aug_manifest["n_written"],
        "skipped": m.skipped,
    }


def tables(result: dict[str, Any]) -> list[ResultTable]:
    metrics = result["metrics"]
    labels = result["labels"]
    main = ResultTable(
        f"Distillation at {result['scale']} scale ({result['n_train']} train / {result['n_test']} test "
        f"texts, augmented to {result['n_augmented']})",
        ["Model", "micro P", "micro R", "micro F1", "macro F1", "size (MB)", "texts/s b1", "texts/s b64"],
    )
    for kind, m in metrics.items():
        sp = m.get("speed", {})
        main.add(
            kind,
            fmt(m["precision"]),
            fmt(m["recall"]),
            fmt(m["f1"]),
            fmt(m["macro"]["f1"]),
            fmt(m["size_bytes"] / 1e6, "{:.1f}"),
            fmt(sp.get("texts_per_s_batch1"), "{:.0f}"),
            fmt(sp.get("texts_per_s_batch64"), "{:.0f}"),
        )
    main.note = f"Timings (s): {result['timings_s']}; torch threads: {result['threads'] or 'default'}."

    per_label = ResultTable("Per-label precision / recall", ["Model", *labels])
    for kind, m in metrics.items():
        pl = m["per_label"]
        per_label.add(
            kind,
            *[
                f"{pl[lab]['precision']:.2f} / {pl[lab]['recall']:.2f}" if lab in pl else "—"
                for lab in labels
            ],
        )

    teacher = metrics["teacher"]
    tsp = teacher.get("speed", {})
    ratios = ResultTable(
        "Students against the teacher (goal: F1 >= 0.98x, >= 20x smaller, >= 20x faster) "
        "and the baseline (goal: >= +3 F1 points)",
        [
            "Student",
            "F1 / teacher F1",
            "teacher size / size",
            "speed b1 / teacher",
            "speed b64 / teacher",
            "F1 - baseline F1 (points)",
        ],
    )
    for kind in ("student-spacy", "student-soft"):
        m = metrics[kind]
        sp = m.get("speed", {})
        ratios.add(
            kind,
            fmt(ratio(m["f1"], teacher["f1"])),
            fmt(ratio(teacher["size_bytes"], m["size_bytes"]), "{:.1f}x"),
            fmt(ratio(sp.get("texts_per_s_batch1"), tsp.get("texts_per_s_batch1")), "{:.1f}x"),
            fmt(ratio(sp.get("texts_per_s_batch64"), tsp.get("texts_per_s_batch64")), "{:.1f}x"),
            fmt(100 * (m["f1"] - metrics["baseline"]["f1"]), "{:+.1f}"),
        )
    out = [main, per_label, ratios]
    real = result.get("real_titles", {})
    if real.get("models"):
        rt = ResultTable(
            "Real eBay Motors titles (silver gold, never trained on)",
            ["Model", "EN MAKE exact", "EN YEAR exact", "DE brand recall (mentioned)"],
        )
        for kind, r in real["models"].items():
            en, de = r.get("en", {}), r.get("de", {})
            rt.add(kind, fmt(en.get("make_exact")), fmt(en.get("year_exact")), fmt(de.get("brand_recall")))
        out.append(rt)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="demo", help="demo (minutes) or research")
    parser.add_argument(
        "--out", type=Path, default=None, help="work directory (default data/bench/distill-SCALE)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sandbox, split and every model")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (1: on the shared 2-core box 2 threads ran 10x slower)",
    )
    parser.add_argument("--bert", default=None, help="teacher encoder (default: the offline MiniLM package)")
    parser.add_argument("--speed-texts", type=int, default=200, help="texts timed at batch 1 per model")
    parser.add_argument(
        "--encoder-dropout",
        type=float,
        default=0.1,
        help="teacher hidden/attention dropout (default 0.1; the research's 0.5 everywhere cut F1 to 0.56)",
    )
    parser.add_argument(
        "--teacher-lr", type=float, default=None, help="teacher learning rate (default: scale's)"
    )
    args = parser.parse_args(argv)
    setup_logging()  # also switches the model hub off
    out = args.out or Path("data") / "bench" / f"distill-{args.scale}"
    info = machine()
    t0 = time.perf_counter()
    result = run(
        args.scale,
        out,
        args.seed,
        args.threads,
        args.bert,
        args.speed_texts,
        args.encoder_dropout,
        args.teacher_lr,
    )
    result["teacher_overrides"] = {"encoder_dropout": args.encoder_dropout, "teacher_lr": args.teacher_lr}
    result["machine"] = info
    result["total_s"] = round(time.perf_counter() - t0, 1)
    ts = tables(result)
    print_tables(ts)
    md, js = write_results(out, "distill", ts, result, preamble=machine_line(info))
    print(f"total {result['total_s']} s; wrote {md} and {js}")  # noqa: T201 - a script's own output
    return 0


if __name__ == "__main__":
    sys.exit(main())
