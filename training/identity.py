"""The identities of datasets and models: the only hashes of data and models in carner.

Why one place: "was this model trained/evaluated on the same data?" is asked by the report (the
"different test sets" warning), promotion (same test split?), the training chain (is a step
unchanged?) and the model registry. Each must get the same answer whichever command produced the
files, so every one of them calls these three functions and nothing else hashes data or models.

- `dataset_id(dir)`: the four npy files (train and test split), by content.
- `test_id(dir)`: the two test-split npy files alone (what an evaluation's figures depend on).
- `model_id(dir)`: every file of a model directory but `metrics.json` (which evaluation rewrites).
- `file_checksums(payloads)` / `files_match(dir, checksums, names)`: per-file checksums a manifest
  keeps (`dataset.json`) and the check that files on disk are those very files (the DocBin reuse).
- `file_sha256(path)`: a single input file's checksum (labelling's input); defined in
  `carner.common.files`, below every floor, so the annotation floor hashes the same way.
- `key(*parts)`: a chain step's key over JSON-able parts (configs, ids).

Files are hashed as bytes (name + content), so an id is the same on any machine and for any door.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from carner.training.npy_io import NPY_FILES

from carner.common.files import file_sha256

__all__ = [
    "dataset_id",
    "dataset_id_of",
    "eval_data",
    "file_checksums",
    "file_sha256",
    "files_match",
    "key",
    "model_id",
    "output_id",
    "test_id",
    "test_id_of",
]

ID_LENGTH = 16  # hex digits kept: ample for telling a workdir's datasets and models apart
METRICS_FILE = "metrics.json"
TRAIN_FILES = (NPY_FILES[("text", "train")], NPY_FILES[("labels", "train")])
TEST_FILES = (NPY_FILES[("text", "test")], NPY_FILES[("labels", "test")])


def _hash_files(root: Path, names: Iterable[str]) -> str:
    h = hashlib.sha256()
    for name in names:
        path = root / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing (cannot identify {root})")
        h.update(name.encode("utf-8") + b"\0")
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()[:ID_LENGTH]


def _hash_payloads(payloads: Mapping[str, bytes], names: Iterable[str]) -> str:
    """The same hash as `_hash_files` over files not written yet (a dataset staged as one unit)."""
    h = hashlib.sha256()
    for name in names:
        if name not in payloads:
            raise KeyError(f"{name}: missing from the files to identify")
        h.update(name.encode("utf-8") + b"\0" + payloads[name] + b"\0")
    return h.hexdigest()[:ID_LENGTH]


def dataset_id(data_dir: Path | str) -> str:
    """Identity of a dataset directory: both splits' npy files."""
    return _hash_files(Path(data_dir), (*TRAIN_FILES, *TEST_FILES))


def dataset_id_of(payloads: Mapping[str, bytes]) -> str:
    """`dataset_id` of npy files given as name -> bytes, before they are written."""
    return _hash_payloads(payloads, (*TRAIN_FILES, *TEST_FILES))


def test_id_of(payloads: Mapping[str, bytes]) -> str:
    """`test_id` of npy files given as name -> bytes, before they are written."""
    return _hash_payloads(payloads, TEST_FILES)


test_id_of.__test__ = False  # type: ignore[attr-defined]


def test_id(data_dir: Path | str) -> str:
    """Identity of a dataset's test split: evaluations with the same `test_id` compare."""
    return _hash_files(Path(data_dir), TEST_FILES)


test_id.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported into a test module


def model_id(model_dir: Path | str) -> str:
    """Identity of a trained model: every file under the directory but `metrics.json`."""
    root = Path(model_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such model directory")
    names = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != METRICS_FILE
    )
    return _hash_files(root, names)


def file_checksums(payloads: Mapping[str, bytes]) -> dict[str, str]:
    """Full sha256 of each file's bytes, before they are written (what `dataset.json` records)."""
    return {name: hashlib.sha256(data).hexdigest() for name, data in payloads.items()}


def files_match(root: Path | str, checksums: Mapping[str, str], names: Iterable[str]) -> bool:
    """Whether every named file under `root` exists and has the checksum recorded for it."""
    root = Path(root)
    return all((root / n).is_file() and checksums.get(n) == file_sha256(root / n) for n in names)


def output_id(path: Path | str) -> str:
    """Identity of a step's output given by path (a model, augmented or labelled set made elsewhere):
    a file by its bytes, a directory like `model_id`."""
    p = Path(path)
    if p.is_file():
        return _hash_files(p.parent, [p.name])
    return model_id(p)


def key(*parts: Any) -> str:
    """A short key of JSON-able parts (configs, ids): what decides whether a chain step is unchanged."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:ID_LENGTH]


def eval_data(data_dir: Path | str) -> dict[str, Any]:
    """What an evaluation on a dataset's test split records in metrics.json (`test_id` always)."""
    return {
        "dir": str(data_dir),
        "split": "test",
        "test_id": test_id(data_dir),
        "dataset_id": dataset_id(data_dir),
    }
