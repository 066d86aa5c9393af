"""`training.identity`: the only ids of datasets, test splits and models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from carner.training.identity import dataset_id, eval_data, model_id, test_id


def test_ids_follow_the_files_that_matter(tiny_dataset_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_dataset_dir, copy)
    assert dataset_id(copy) == dataset_id(tiny_dataset_dir) and test_id(copy) == test_id(tiny_dataset_dir)
    (copy / "dataset.json").write_text("{}")  # not part of the data
    assert dataset_id(copy) == dataset_id(tiny_dataset_dir)

    train = np.load(copy / "text_train.npy", allow_pickle=False)
    np.save(copy / "text_train.npy", train[::-1], allow_pickle=False)  # another training split
    assert dataset_id(copy) != dataset_id(tiny_dataset_dir)
    assert test_id(copy) == test_id(tiny_dataset_dir)  # evaluations still compare

    (copy / "labels_test.npy").unlink()
    with pytest.raises(FileNotFoundError, match="labels_test.npy"):
        test_id(copy)


def test_model_id_ignores_metrics_json(tiny_baseline_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "m"
    shutil.copytree(tiny_baseline_dir, model)
    before = model_id(model)
    (model / "metrics.json").write_text(json.dumps({"kind": "baseline", "f1": 0.1}))  # re-evaluated
    assert model_id(model) == before
    weights = next(p for p in sorted(model.rglob("*")) if p.is_file() and p.name != "metrics.json")
    weights.write_bytes(weights.read_bytes() + b"\0")  # retrained
    assert model_id(model) != before


def test_eval_data_names_the_test_split(tiny_dataset_dir: Path) -> None:
    data = eval_data(tiny_dataset_dir)
    assert data["test_id"] == test_id(tiny_dataset_dir) and data["split"] == "test"
    assert data["dataset_id"] == dataset_id(tiny_dataset_dir)
