"""Lab code: Prefect task runners, and augmentation spread over processes (or machines) by Dask.

`make_task_runner(kind)`:
- "default" / "thread": Prefect's `ThreadPoolTaskRunner` (tasks in threads of the flow's process;
  right for I/O such as crawling several queries; `workers` bounds it).
- "dask": `prefect_dask.DaskTaskRunner` — a temporary `LocalCluster` of `workers` processes with one
  thread each (CPU-bound work such as teacher inference, past the GIL), or an existing cluster's
  scheduler at `address` (`tcp://host:8786`), whose workers may run on other machines.

Teacher labelling on Dask is not here: it is the chain's label step with
`TrainPlan.label_executor="dask"` (`training.label_dask`), the one Dask labelling loop.

Augmentation (`run_augment_parallel`) is split into a fixed number of shards of the training texts
(`training.augment.augment_shard`, one task each, one JSONL file each), merged in shard order with
`augment`'s de-duplication (`merge_shards`) in the flow's process: the same bytes for a given
(seed, shard count) on any runner and any number of workers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE

RUNNER_KINDS = ("default", "thread", "dask")


def make_task_runner(
    kind: str = "default",
    workers: int | None = None,
    address: str | None = None,
    worker_env: dict[str, str] | None = None,
) -> Any:
    """The Prefect task runner for `kind` (see the module doc); `address` only for "dask".

    `worker_env`: environment variables for the worker processes of a local Dask cluster
    (`prefect_worker_env()` points them at this process's Prefect API).
    """
    if kind in ("default", "thread"):
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:  # pragma: no cover - the `scale` extra is not installed
            raise RuntimeError(
                "the dask task runner needs `pip install carner[scale]` (prefect-dask)"
            ) from exc
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers or os.cpu_count() or 1,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
                **({"env": dict(worker_env)} if worker_env else {}),
            }
        )
    raise ValueError(f"unknown task runner {kind!r}; one of {', '.join(RUNNER_KINDS)}")


def prefect_worker_env() -> dict[str, str]:
    """`PREFECT_API_URL` of the API this process uses, for local Dask worker processes.

    Without it, in Prefect's ephemeral mode (no API URL set), every Dask worker process starts a
    temporary Prefect server of its own to report its task runs: ~20 s of start-up per run on 2 cores
    (measured), and N servers. Here the flow's own temporary server is started (what the flow would do
    first anyway) and its URL handed to the workers.
    """
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the singleton Prefect's own client uses in ephemeral mode
        server.start()
        url = server.api_url
    return {"PREFECT_API_URL": str(url)}


def _runner_for(runner: str, workers: int | None, address: str | None) -> Any:
    env = prefect_worker_env() if runner == "dask" and not address else None
    return make_task_runner(runner, workers, address, worker_env=env)


# ----------------------------------------------------------------------------- parallel augmentation

DEFAULT_AUGMENT_SHARDS = 8  # fixed, not from `workers`: the output depends on the shard count


def _load_training(source: str) -> tuple[list[str], list[list[Any]]]:
    """Training texts and spans: an npy dataset directory (its train split) or a doccano-style JSONL."""
    path = Path(source)
    if path.is_dir():
        from carner.training.npy_io import load_npy_dataset

        data = load_npy_dataset(path)
        return list(data.train_texts), list(data.train_spans)
    from carner.training.augment import read_augmented

    texts: list[str] = []
    spans: list[list[Any]] = []
    for text, text_spans in read_augmented(path):
        texts.append(text)
        spans.append(text_spans)
    return texts, spans


def augment_shard_run(
    source: str, shard_dir: str, cfg: dict[str, Any], k: int, n_shards: int
) -> dict[str, Any]:
    """Shard `k` of `n_shards` of the training texts at `source` into `shard_dir` (one worker's task)."""
    from dataclasses import asdict

    from carner.training.augment import AugmentConfig

    from bench.augment_shards import augment_shard, shard_file_name

    texts, spans = _load_training(source)
    result = augment_shard(
        AugmentConfig(**cfg),
        texts,
        spans,
        Path(shard_dir) / shard_file_name(k, n_shards),
        k=k,
        n_shards=n_shards,
    )
    return {**asdict(result), "_pid": os.getpid()}


augment_shard_task = task(
    augment_shard_run,
    name="augment-shard",
    task_run_name="augment shard {k} of {n_shards}",
    retries=1,
    cache_policy=NO_CACHE,
)


@flow(name="augment-parallel", log_prints=True)
def augment_parallel(
    source: str,
    out_dir: str,
    cfg: dict[str, Any] | None = None,
    shards: int = DEFAULT_AUGMENT_SHARDS,
    keep_shards: bool = False,
) -> dict[str, Any]:
    """Augmentation of the training texts at `source`, one task per shard, merged in shard order.

    `source`: an npy dataset directory (train split) or a doccano-style JSONL, at the same path on
    every worker. The merged `out_dir/augmented.jsonl` + `manifest.json` are `augment`'s format and
    depend on (cfg.seed, shards) only: `training.augment.augment_sharded` writes the same bytes.
    """
    from dataclasses import asdict

    from carner.training.augment import AugmentConfig

    from bench.augment_shards import SHARD_DIR, ShardResult, merge_shards

    started = time.perf_counter()
    config = AugmentConfig(**(cfg or {}))
    out = Path(out_dir)
    shard_dir = out / SHARD_DIR
    shard_dir.mkdir(parents=True, exist_ok=True)
    futures = augment_shard_task.map(
        source, str(shard_dir), unmapped(asdict(config)), list(range(shards)), shards
    )
    results: list[ShardResult] = []
    pids = set()
    shard_seconds = 0.0
    for future in futures:
        entry = future.result()
        pids.add(entry.pop("_pid"))
        shard_seconds += entry["seconds"]
        results.append(ShardResult(**entry))
    merge_started = time.perf_counter()
    manifest = merge_shards(
        config, results, out, remove_shards=not keep_shards, seconds=time.perf_counter() - started
    )
    seconds = time.perf_counter() - started
    return {
        **asdict(manifest),
        "n_shards": shards,
        "processes": len(pids),
        "seconds": round(seconds, 3),
        "lines_per_second": round(manifest.n_written / seconds, 1) if seconds else None,
        "shard_seconds": round(shard_seconds, 3),
        "merge_seconds": round(time.perf_counter() - merge_started, 3),
    }


def _write_inputs(texts: list[str], spans: list[list[Any]], path: Path) -> Path:
    """In-memory training data as a doccano-style JSONL the workers read (atomic)."""
    import json

    from carner.training.artifacts import atomic_file

    with atomic_file(path, "w", encoding="utf-8") as fh:
        for text, text_spans in zip(texts, spans, strict=True):
            line = {"text": text, "label": [[int(s), int(e), str(lab)] for s, e, lab in text_spans]}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


def run_augment_parallel(
    data_dir_or_inputs: str | Path | tuple[list[str], list[list[Any]]],
    out_dir: str | Path,
    cfg: Any = None,
    *,
    runner: str = "dask",
    workers: int | None = None,
    address: str | None = None,
    shards: int = DEFAULT_AUGMENT_SHARDS,
    keep_shards: bool = False,
) -> dict[str, Any]:
    """`augment_parallel` on the task runner `runner` ("dask": `workers` processes, or `address`).

    `data_dir_or_inputs`: an npy dataset directory, a doccano-style JSONL, or `(texts, spans)` in
    memory (written to `out_dir/.shards-inputs.jsonl` for the workers, removed after). `cfg`: an
    `AugmentConfig`, a dict of its fields, or None (defaults). Same (cfg.seed, shards) -> same bytes
    on any runner, any `workers`.
    """
    from dataclasses import asdict, is_dataclass

    from bench.augment_shards import SHARD_DIR

    if shards < 1:
        raise ValueError(f"shards must be >= 1, got {shards}")
    written: Path | None = None
    if isinstance(data_dir_or_inputs, str | Path):
        source = Path(data_dir_or_inputs)
        if not source.exists():
            raise FileNotFoundError(f"training data not found: {source}")
    else:
        texts, spans = data_dir_or_inputs
        written = source = _write_inputs(
            list(texts), list(spans), Path(out_dir) / f".{SHARD_DIR}-inputs.jsonl"
        )
    cfg_dict = asdict(cfg) if is_dataclass(cfg) else dict(cfg or {})
    task_runner = _runner_for(runner, workers, address)
    configured = augment_parallel.with_options(task_runner=task_runner)
    try:
        return configured(str(source.resolve()), str(Path(out_dir).resolve()), cfg_dict, shards, keep_shards)
    finally:
        if written is not None and not keep_shards:
            written.unlink(missing_ok=True)
