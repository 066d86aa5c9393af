"""Shared tiny-dataset fixtures for the training tests (dataset, baseline, evaluation, report, students).

Everything is real and small: sandbox listings with their true spans, a dataset built by
`build_dataset`, and a spaCy baseline trained for a few seconds, each built once per test session.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"

TINY_LISTINGS = 300
TINY_SEED = 0
# Small data needs less regularisation than the research's 0.5 for 4k texts; 15 epochs as the research.
TINY_BASELINE_OVERRIDES: dict[str, Any] = {"training.dropout": 0.2}
TINY_BASELINE_EPOCHS = 15


@pytest.fixture(scope="session")
def sandbox_listings() -> list[Any]:
    from carner.scraper.sandbox.generator import generate_listings

    return generate_listings(TINY_LISTINGS, seed=TINY_SEED)


@pytest.fixture(scope="session")
def sandbox_records(sandbox_listings: list[Any]) -> list[Any]:
    """Gold title records (`training.dataset.Record`) of the sandbox listings."""
    from carner.training.dataset import records_from_listings

    return records_from_listings(sandbox_listings)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory, sandbox_records: list[Any]) -> tuple[Path, Any]:
    """(directory, DatasetManifest) of a dataset built from 300 sandbox listings, half for test."""
    from carner.training.dataset import build_dataset

    out = tmp_path_factory.mktemp("dataset")
    manifest = build_dataset(sandbox_records, out, test_size=0.5, seed=TINY_SEED)
    return out, manifest


@pytest.fixture(scope="session")
def tiny_dataset_dir(tiny_dataset: tuple[Path, Any]) -> Path:
    return tiny_dataset[0]


@pytest.fixture(scope="session")
def tiny_baseline(tmp_path_factory: pytest.TempPathFactory, tiny_dataset_dir: Path) -> Any:
    """A baseline trained (and evaluated) on the tiny dataset: its `TrainResult` (`out_dir` inside)."""
    from carner.training.baseline import SpacyTrainConfig, train_baseline

    out = tmp_path_factory.mktemp("models") / "baseline"
    cfg = SpacyTrainConfig(epochs=TINY_BASELINE_EPOCHS, overrides=dict(TINY_BASELINE_OVERRIDES), seed=0)
    return train_baseline(tiny_dataset_dir, out, cfg)


@pytest.fixture(scope="session")
def tiny_baseline_dir(tiny_baseline: Any) -> Path:
    return Path(tiny_baseline.out_dir)


def write_npy_dataset(
    directory: Path,
    train: list[tuple[str, list[list[Any]]]],
    test: list[tuple[str, list[list[Any]]]],
) -> Path:
    """Hand-made four npy files, as a user would write them (texts and JSON span strings)."""
    directory.mkdir(parents=True, exist_ok=True)
    for split, rows in (("train", train), ("test", test)):
        np.save(directory / f"text_{split}.npy", np.array([t for t, _ in rows], dtype=str))
        np.save(directory / f"labels_{split}.npy", np.array([json.dumps(s) for _, s in rows], dtype=str))
    return directory


@pytest.fixture
def make_npy_dataset() -> Any:
    """`make_npy_dataset(dir, train_rows, test_rows) -> dir` writing four hand-made npy files."""
    return write_npy_dataset
