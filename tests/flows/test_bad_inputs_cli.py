"""Bad input at the command line: one line naming what is wrong, exit 2, no traceback; and a workdir
whose name looks like URL syntax keeps its database inside it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carner.cli import app

ROOT = Path(__file__).resolve().parents[2]


def carner(*args: bytes | str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "from carner.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], input=stdin, capture_output=True, env=env, timeout=120
    )


def test_predict_names_a_non_utf8_stdin_line(tmp_path: Path) -> None:
    proc = carner("predict", "--model", str(tmp_path / "none"), stdin=b"VW Golf 2019\n\xff\xfe Golf\n")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == "Error: stdin:2: not UTF-8 (invalid start byte at byte 0)"


def test_predict_names_a_non_utf8_argument(tmp_path: Path) -> None:
    proc = carner("predict", "--model", str(tmp_path / "none"), "VW Golf", os.fsdecode(b"Golf \xff"))
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == "Error: argument 2: not UTF-8 text (byte 5 of the argument)"


@pytest.mark.parametrize("name", ["runs?v=1", "caf%41", "a#b"])
def test_a_workdir_with_url_characters_keeps_its_database_inside(tmp_path: Path, name: str) -> None:
    workdir = tmp_path / name
    result = CliRunner().invoke(app, ["db", "upgrade", "--workdir", str(workdir)])
    assert result.exit_code == 0, result.output
    assert (workdir / "carner.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing created beside it
