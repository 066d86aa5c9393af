"""The BERT teacher alone at demo (or research) scale: F1, size, speed and time per epoch on this device.

    .venv/bin/python bench/teacher.py [--scale demo|research] [--out DIR] [--threads 1] [--device cuda]

Same sandbox dataset as bench/distill.py; trains `training.teacher.train_teacher` (the packaged
all-MiniLM-L6-v2 unless --bert), evaluates it with `training/evaluate.py`, prints one table and writes
teacher.md / teacher.json. Run it on a GPU machine too and record both devices' time per epoch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ResultTable, fmt, machine, machine_line, print_tables, setup_logging, write_results  # noqa: E402
from bench.distill import SCALES, build_data  # noqa: E402


def run(
    scale: str,
    out: Path,
    seed: int,
    threads: int | None,
    bert: str | None,
    device: str | None,
    speed_texts: int,
) -> dict[str, Any]:
    import torch
    from carner.training.evaluate import evaluate_dir
    from carner.training.npy_io import load_npy_dataset
    from carner.training.teacher import TeacherConfig, train_teacher

    if threads:
        torch.set_num_threads(threads)
    s = SCALES[scale]
    build_data(out / "data", s["listings"], seed)
    ds = load_npy_dataset(out / "data")
    cfg = TeacherConfig(
        bert=bert,
        epochs=s["teacher_epochs"],
        batch_size=s["teacher_batch"],
        learning_rate=s["teacher_lr"],
        seed=seed,
        threads=threads,
        device=device,
    )
    m = train_teacher(cfg, ds.train_texts, ds.train_spans, ds.labels, out / "teacher")
    metrics = evaluate_dir(
        out / "teacher", ds.test_texts, ds.test_spans, labels=ds.labels, speed_texts=speed_texts
    )
    return {
        "scale": scale,
        "config": s,
        "threads": threads,
        "train": m.__dict__,
        "metrics": metrics,
        "n_train": len(ds.train_texts),
        "n_test": len(ds.test_texts),
    }


def table(result: dict[str, Any]) -> ResultTable:
    m, tr = result["metrics"], result["train"]
    sp = m.get("speed", {})
    t = ResultTable(
        f"BERT teacher at {result['scale']} scale "
        f"({result['n_train']} train / {result['n_test']} test texts)",
        [
            "Device",
            "epochs (best)",
            "s / epoch",
            "micro F1",
            "macro F1",
            "size (MB)",
            "texts/s b1",
            "texts/s b64",
        ],
    )
    t.add(
        tr["device"],
        f"{tr['epochs_run']} ({tr['best_epoch']})",
        fmt(tr["seconds_per_epoch"], "{:.1f}"),
        fmt(m["f1"]),
        fmt(m["macro"]["f1"]),
        fmt(m["size_bytes"] / 1e6, "{:.1f}"),
        fmt(sp.get("texts_per_s_batch1"), "{:.0f}"),
        fmt(sp.get("texts_per_s_batch64"), "{:.0f}"),
    )
    per = ", ".join(f"{k} {v['f1']:.2f}" for k, v in m["per_label"].items())
    threads = result["threads"] or "default"
    t.note = f"Per-label F1: {per}. Training {tr['seconds']:.0f} s; torch threads {threads}."
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="demo", help="demo (minutes) or research")
    parser.add_argument(
        "--out", type=Path, default=None, help="work directory (default data/bench/teacher-SCALE)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sandbox, split and training")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--bert", default=None, help="encoder (default: the offline MiniLM package)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: CUDA when available)")
    parser.add_argument("--speed-texts", type=int, default=200, help="texts timed at batch 1")
    args = parser.parse_args(argv)
    setup_logging()  # also switches the model hub off
    out = args.out or Path("data") / "bench" / f"teacher-{args.scale}"
    info = machine()
    t0 = time.perf_counter()
    result = run(args.scale, out, args.seed, args.threads, args.bert, args.device, args.speed_texts)
    result["machine"], result["total_s"] = info, round(time.perf_counter() - t0, 1)
    t = table(result)
    print_tables([t])
    md, js = write_results(out, "teacher", [t], result, preamble=machine_line(info))
    print(f"total {result['total_s']} s; wrote {md} and {js}")  # noqa: T201 - a script's own output
    return 0


if __name__ == "__main__":
    sys.exit(main())
