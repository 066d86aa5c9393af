"""Augmentation throughput: sequential `augment` vs sharded augmentation on the Dask task runner.

    python bench/dask_augment.py                          # 1,000 sandbox titles x 50 variants
    python bench/dask_augment.py --texts 4000 --n-iter 50 --workers 2 --shards 8

Sequential: `training.augment.augment`, one process. Sharded in-process: `augment_sharded` (every
shard, then the merge, in one process: the cost of sharding itself). Dask: `run_augment_parallel`
on a `LocalCluster` of `--workers` processes, one task per shard, merged in the flow's process.
The Dask and in-process sharded files are compared byte for byte (they must be equal). Dask's wall
time includes the cluster start-up and each worker importing carner (Prefect's temporary server is
started before the timings).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import prefect_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=1000, help="sandbox titles to augment")
    parser.add_argument("--n-iter", type=int, default=50, help="variants per title (Tang: 50)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json-out", type=Path, help="Also write the figures here (JSON).")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="carner-bench-dask-aug-"))
    prefect_env(root / "prefect-home")

    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.augment import AugmentConfig, augment

    from bench.augment_shards import augment_sharded
    from bench.runners import run_augment_parallel

    listings = generate_listings(args.texts, seed=args.seed)
    texts = [x.title for x in listings]
    spans = [sorted(tuple(s) for s in x.title_spans) for x in listings]
    cfg = AugmentConfig(n_iter=args.n_iter, seed=args.seed)

    t0 = time.perf_counter()
    seq = augment(cfg, texts, spans, root / "seq", progress=False)
    seq_wall = time.perf_counter() - t0

    t0 = time.perf_counter()
    local = augment_sharded(cfg, texts, spans, root / "local", args.shards)
    local_wall = time.perf_counter() - t0

    from prefect import flow

    flow(lambda: None, name="warm-up")()  # Prefect's temporary server: not part of any figure
    t0 = time.perf_counter()
    par = run_augment_parallel(
        (texts, spans), root / "dask", cfg, runner="dask", workers=args.workers, shards=args.shards
    )
    dask_wall = time.perf_counter() - t0

    same = Path(par["path"]).read_bytes() == Path(local.path).read_bytes()
    rows = {
        "texts": len(texts),
        "n_iter": args.n_iter,
        "cpu_cores": os.cpu_count(),
        "sequential_lines": seq.n_written,
        "sequential_s": round(seq_wall, 2),
        "sequential_lines_per_s": round(seq.n_written / seq_wall, 1),
        "shards": args.shards,
        "sharded_lines": local.n_written,
        "sharded_in_process_s": round(local_wall, 2),
        "sharded_in_process_lines_per_s": round(local.n_written / local_wall, 1),
        "dask_workers": args.workers,
        "dask_processes_used": par["processes"],
        "dask_wall_s": round(dask_wall, 2),
        "dask_lines_per_s": round(par["n_written"] / dask_wall, 1),
        "dask_shard_task_seconds_sum": par["shard_seconds"],
        "dask_merge_s": par["merge_seconds"],
        "speedup_wall": round(seq_wall / dask_wall, 2),
        "dask_equals_in_process_sharded": same,
    }
    print(f"\nAugmentation, {len(texts)} titles x {args.n_iter} variants, {os.cpu_count()} cores\n")
    print("| path | processes | lines | wall s | lines/s |")
    print("|---|---|---|---|---|")
    print(f"| sequential (augment) | 1 | {seq.n_written} | {seq_wall:.2f} | {seq.n_written / seq_wall:.0f} |")
    print(
        f"| {args.shards} shards in process (augment_sharded) | 1 | {local.n_written} | "
        f"{local_wall:.2f} | {local.n_written / local_wall:.0f} |"
    )
    print(
        f"| dask, {args.shards} shards (run_augment_parallel) | {par['processes']} | {par['n_written']} | "
        f"{dask_wall:.2f} | {par['n_written'] / dask_wall:.0f} |"
    )
    print(f"\nspeed-up dask / sequential: {seq_wall / dask_wall:.2f}x (wall, incl. cluster start-up)")
    print(f"dask output == in-process sharded output (bytes): {same}")
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
