"""Teacher labelling on Dask worker processes: the label step's second executor.

Same chunks, same files as `training.label.label_file` (it is built on the same `ChunkIndex`): each
missing chunk is one Dask task; each worker process loads the teacher once and pins torch to
`threads` threads, so N processes do not fight over the cores. The index is saved after every
finished chunk, so a killed run resumes (with either executor) from the chunks already written.
Workers need the teacher, the input file and the output directory at the same paths (one machine,
or a shared disk). `address` uses an existing cluster's scheduler instead of a local one.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

from carner.training.label import ChunkIndex, LabelConfig, LabelManifest, finish, label_chunk
from carner.training.tokens import bio_labels


@functools.lru_cache(maxsize=2)
def teacher_in_process(teacher_dir: str, threads: int | None) -> Any:
    """The teacher, loaded once per worker process (Dask keeps its processes between tasks)."""
    from carner.training.teacher import TeacherModel

    return TeacherModel(teacher_dir, threads=threads)


def _label_one(
    teacher_dir: str, index: ChunkIndex, k: int, batch_size: int, threads: int | None
) -> dict[str, Any]:
    """Worker side: label chunk `k` of the index's input."""
    return label_chunk(
        teacher_in_process(teacher_dir, threads),
        index.texts(k),
        index.out_dir,
        k,
        index.chunk_size,
        batch_size,
        decode=index.identity.get("decode"),
    )


class TeacherFiles:
    """Path and BIO tags of a teacher from its metrics.json (the client need not load the weights)."""

    def __init__(self, teacher_dir: Path) -> None:
        from carner.training.metrics import read_metrics

        self.path = Path(teacher_dir)
        self.tags = bio_labels(read_metrics(teacher_dir).labels)


def label_file_dask(
    cfg: LabelConfig,
    teacher_dir: Path | str,
    input_path: Path | str,
    out_dir: Path | str,
    *,
    workers: int | None = None,
    threads: int | None = 1,
    address: str | None = None,
) -> LabelManifest:
    """Label every text of an augmented JSONL on `workers` local processes (or the cluster at
    `address`); resumable like `label_file`, whose format it writes."""
    from distributed import Client, LocalCluster, as_completed

    started = time.perf_counter()
    index = ChunkIndex.open(cfg, TeacherFiles(Path(teacher_dir)), Path(input_path), Path(out_dir))
    index.save()
    skipped = len(index.done)
    todo = index.todo()
    if cfg.max_chunks is not None:
        todo = todo[: cfg.max_chunks]
    texts = 0
    label_s = 0.0
    if todo:
        import os

        cluster = None
        if address is None:
            n = workers or os.cpu_count() or 1
            cluster = LocalCluster(
                n_workers=min(n, len(todo)), threads_per_worker=1, processes=True, dashboard_address=None
            )
        client = Client(address or cluster)
        try:
            futures = [
                client.submit(_label_one, str(teacher_dir), index, k, cfg.batch_size, threads, pure=False)
                for k in todo
            ]
            for future in as_completed(futures):
                entry = future.result()
                label_s += entry.pop("seconds")
                texts += entry["n_texts"]
                index.add(entry)
                index.save()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return finish(index, cfg, len(todo), skipped, texts, label_s, started)
