"""Bad npy inputs answer with the file and a reason (never a MemoryError or a pickle story), and a
dataset is replaced as one unit: a `kill -9` between two renames leaves the old set or the new one."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from carner.training.npy_io import (
    NPY_FILES,
    SWAP_JOURNAL,
    DatasetError,
    load_npy_dataset,
    save_npy_dataset,
)
from typer.testing import CliRunner

from carner.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _write_set(d: Path, tag: str, n: int) -> None:
    texts = [f"{tag} Golf {i}" for i in range(n)]
    spans = [[(0, len(tag), "MAKE")] for _ in texts]
    save_npy_dataset(d, (texts, spans), (texts[:2], spans[:2]))


def _forged_header(count: int) -> bytes:
    """A valid npy header for `count` strings of 8 characters, followed by almost no data."""
    from numpy.lib import format as npy_format

    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": "<U8", "fortran_order": False, "shape": (count,)})
    return buf.getvalue() + b"\x00" * 64


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (_forged_header(10**10), "header claims 10,000,000,000 elements"),
        (_forged_header(1000), "but the file holds 64 bytes"),
        (b"text,label\nVW Golf,MAKE\n", "not a .npy file"),
        (b"", "not a .npy file"),
    ],
)
def test_bad_npy_files_are_named_with_their_reason(tmp_path: Path, content: bytes, expected: str) -> None:
    _write_set(tmp_path, "VW", 4)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (tmp_path / "text_train.npy").write_bytes(content)
    with pytest.raises(DatasetError) as err:
        load_npy_dataset(tmp_path)
    assert str(err.value).startswith(f"{tmp_path / 'text_train.npy'}: ") and expected in str(err.value)
    assert "pickle" not in str(err.value)
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "model"), "--data", str(tmp_path)])
    assert result.exit_code == 2 and expected in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert {k: v for k, v in after.items() if k != "text_train.npy"} == {
        k: v for k, v in before.items() if k != "text_train.npy"
    }


KILL_SCRIPT = """
import os, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.training.test_hostile_npy import _write_set
calls = 0
real_replace = os.replace
def replace(src, dst):
    global calls
    calls += 1
    if calls == {kill_at}:
        os._exit(9)  # as a kill -9 here would: no cleanup, no finally
    return real_replace(src, dst)
os.replace = replace
_write_set(Path({out!r}), "NEW", 7)
"""


@pytest.mark.parametrize(("kill_at", "expected"), [(1, "OLD"), (2, "NEW"), (4, "NEW")])
def test_a_kill_during_the_swap_leaves_the_old_set_or_the_new_one(
    tmp_path: Path, kill_at: int, expected: str
) -> None:
    """Rename 1 commits the journal; renames 2.. move files in. Killed anywhere: never a mixed set."""
    _write_set(tmp_path, "OLD", 5)
    script = KILL_SCRIPT.format(root=str(ROOT), kill_at=kill_at, out=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    if kill_at > 1:
        assert (tmp_path / SWAP_JOURNAL).exists()  # committed, not finished
    ds = load_npy_dataset(tmp_path)
    assert {t.split()[0] for t in ds.train_texts + ds.test_texts} == {expected}
    assert len(ds.train_texts) == (7 if expected == "NEW" else 5)
    for text, spans in zip(ds.train_texts, ds.train_spans, strict=True):
        assert [text[s:e] for s, e, _ in spans] == [expected]
    assert not (tmp_path / SWAP_JOURNAL).exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(
        NPY_FILES.values()
    )


def test_only_a_really_interrupted_swap_is_warned_about(tmp_path: Path, caplog) -> None:
    """A writer finishing its own swap is no interruption; a reader rolling a killed one forward is."""
    with caplog.at_level("WARNING", logger="carner.training.npy_io"):
        _write_set(tmp_path, "OLD", 5)
        _write_set(tmp_path, "NEW", 6)
    assert "interrupted" not in caplog.text
    script = KILL_SCRIPT.format(root=str(ROOT), kill_at=2, out=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    with caplog.at_level("WARNING", logger="carner.training.npy_io"):
        load_npy_dataset(tmp_path)
    assert "finished a dataset replacement that was interrupted" in caplog.text
