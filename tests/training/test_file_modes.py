"""Outputs get the user's umask (0644/0755 under 022), not tempfile's owner-only 0600/0700."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles


@pytest.fixture(params=[0o022, 0o027])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_tree(root: Path, mask: int) -> int:
    """Every folder 0777 & ~mask, every file 0666 & ~mask (what mkdir/open give); returns files seen."""
    assert _mode(root) == 0o777 & ~mask, (root, oct(_mode(root)))
    files = 0
    for path in root.rglob("*"):
        want = 0o777 & ~mask if path.is_dir() else 0o666 & ~mask
        assert _mode(path) == want, (path, oct(_mode(path)), oct(want))
        files += path.is_file()
    return files


def test_stage_outputs_follow_the_umask(umask: int, tmp_path: Path, tiny_baseline_dir: Path) -> None:
    from carner.annotation.doccano import write_jsonl_atomic
    from carner.training.artifacts import write_json_atomic
    from carner.training.npy_io import save_npy_dataset
    from carner.training.report import write_report
    from carner.training.teacher import TeacherConfig, _load_pretrained, save_teacher
    from carner.training.tokens import bio_labels

    write_jsonl_atomic(tmp_path / "batch.jsonl", [{"text": "Ford", "label": []}])
    write_json_atomic(tmp_path / "x.json", {"a": 1})
    save_npy_dataset(tmp_path / "data", (["Ford Focus"], [[]]), (["Opel"], [[]]))
    report = write_report([tiny_baseline_dir], tmp_path / "reports", plot=False)
    # a real model directory, written through atomic_dir (save_pretrained + metrics.json + README.md)
    quiet_transformers()
    texts, _, labels = sandbox_titles(30, seed=1)
    cfg = TeacherConfig(bert=str(build_tiny_bert(texts, tmp_path / "bert")), progress=False)
    tokenizer, model = _load_pretrained(cfg, bio_labels(labels))
    save_teacher(cfg, model, tokenizer, labels, tmp_path / "models" / "teacher")

    teacher = tmp_path / "models" / "teacher"
    assert (teacher / "model.safetensors").is_file()
    assert Path(report.json).name == "report.json"
    for path in (tmp_path / "batch.jsonl", tmp_path / "x.json", Path(report.json), Path(report.markdown)):
        assert _mode(path) == 0o666 & ~umask, (path, oct(_mode(path)))
    assert _assert_tree(teacher, umask) >= 5
    assert _assert_tree(tmp_path / "data", umask) >= 4
    if umask == 0o022:  # the default: group and others can read what carner writes
        assert _mode(teacher / "model.safetensors") == 0o644 and _mode(teacher) == 0o755
