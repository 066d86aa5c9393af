"""One seed, one set of figures: trainings give identical metrics whatever the thread count or process.

Torch splits its reductions by thread count (a tiny teacher trained on 1 and on 2 threads gave
different weights before trainings pinned their threads); these runs differ in the caller's thread
settings, the hash seed and the process, and must agree to the last digit.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
KEYS = ("micro", "macro", "per_label")

_BASELINE = """
import json, sys
from pathlib import Path
from carner.training.baseline import SpacyTrainConfig, train_baseline
r = train_baseline(Path(sys.argv[1]), Path(sys.argv[2]), SpacyTrainConfig(epochs=6, seed=0))
print(json.dumps({k: r.metrics[k] for k in ("micro", "macro", "per_label")}, sort_keys=True))
"""


def _dataset(root: Path) -> Path:
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.npy_io import save_npy_dataset

    listings = generate_listings(200, seed=3)
    rows = [(x.title, [list(s) for s in x.title_spans]) for x in listings]
    train, test = rows[:160], rows[160:]
    save_npy_dataset(
        root, ([t for t, _ in train], [s for _, s in train]), ([t for t, _ in test], [s for _, s in test])
    )
    return root


def test_baseline_same_metrics_in_process_and_in_a_subprocess(tmp_path: Path) -> None:
    import torch
    from carner.training.baseline import SpacyTrainConfig, train_baseline

    data = _dataset(tmp_path / "data")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        here = train_baseline(data, tmp_path / "here", SpacyTrainConfig(epochs=6, seed=0))
        assert torch.get_num_threads() == 2  # the caller's setting is restored
    finally:
        torch.set_num_threads(before)
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", _BASELINE, str(data), str(tmp_path / "there")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    there = json.loads(out.stdout.strip().splitlines()[-1])
    assert {k: here.metrics[k] for k in KEYS} == there
    assert here.metrics["macro"]["f1"] > 0.0  # it learnt something: the comparison is not of two zeros


def _weights_hash(model_dir: Path) -> str:
    from safetensors.torch import load_file

    state = load_file(str(model_dir / "model.safetensors"))
    return hashlib.sha256(b"".join(state[k].numpy().tobytes() for k in sorted(state))).hexdigest()


def test_tiny_teacher_same_weights_whatever_the_callers_threads(tmp_path: Path) -> None:
    import torch
    from carner.training.teacher import TeacherConfig, train_teacher

    from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles

    quiet_transformers()
    texts, spans, labels = sandbox_titles(160, 5)
    bert = build_tiny_bert(texts, tmp_path / "bert")
    cfg = TeacherConfig(
        bert=str(bert),
        epochs=2,
        batch_size=16,
        learning_rate=1e-3,
        progress=False,
        device="cpu",
        max_length=48,
    )
    runs: list[Any] = []
    before = torch.get_num_threads()
    try:
        for threads in (2, 1):
            torch.set_num_threads(threads)
            runs.append(train_teacher(cfg, texts, spans, labels, tmp_path / f"t{threads}"))
            assert torch.get_num_threads() == threads
    finally:
        torch.set_num_threads(before)
    assert runs[0].best_val_f1 == runs[1].best_val_f1
    assert _weights_hash(Path(runs[0].path)) == _weights_hash(Path(runs[1].path))


def test_baseline_ignores_other_threads_drawing_from_the_shared_random_generator(tmp_path: Path) -> None:
    """A Prefect worker's background threads share the process's `random`: training must not."""
    import random
    import threading

    from carner.training.baseline import SpacyTrainConfig, train_baseline

    data = _dataset(tmp_path / "data")
    quiet = train_baseline(data, tmp_path / "quiet", SpacyTrainConfig(epochs=2, seed=0), evaluate=False)
    stop = threading.Event()

    def draw() -> None:
        while not stop.is_set():
            random.random()

    noisy_thread = threading.Thread(target=draw, daemon=True)
    noisy_thread.start()
    try:
        noisy = train_baseline(data, tmp_path / "noisy", SpacyTrainConfig(epochs=2, seed=0), evaluate=False)
    finally:
        stop.set()
        noisy_thread.join()
    weights = [(Path(r.out_dir) / "ner" / "model").read_bytes() for r in (quiet, noisy)]
    assert hashlib.sha256(weights[0]).digest() == hashlib.sha256(weights[1]).digest()
