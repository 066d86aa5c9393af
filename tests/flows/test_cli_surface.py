"""What a user sees of the CLI itself: --version, quiet by default (-v/-q), choices in --help, --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from typer.testing import CliRunner

from carner.cli import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _carner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real entry point (carner.cli:main, with its logging set-up) in a fresh process."""
    code = "import sys; from carner.cli import main; sys.argv[0] = 'carner'; main()"
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"carner {metadata.version('carner')}"


def test_library_info_lines_are_off_by_default_and_back_with_v(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    quiet = _carner("annotate", "preannotate", *db, cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    lines = (quiet.stdout + quiet.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Tasks: 0 new"), lines  # the result, nothing else
    verbose = _carner("-v", "annotate", "preannotate", "--db", f"sqlite:///{tmp_path / 'b.db'}", cwd=tmp_path)
    assert verbose.returncode == 0, verbose.stderr
    assert "INFO alembic" in verbose.stderr  # the migration narrative, on request
    assert "Tasks: 0 new" in verbose.stdout


def test_help_lists_the_choices() -> None:
    for cmd, choice in (
        (["annotate", "export"], "[random|uncertainty|disagreement|balanced|committee]"),
        (["annotate", "export"], "[gold|distant|model]"),
        (["train", "student"], "[spacy|soft]"),
        (["dataset", "build"], "[gold|distant|both]"),
    ):
        result = runner.invoke(app, [*cmd, "--help"], env={"COLUMNS": "250", "NO_COLOR": "1"})
        assert result.exit_code == 0 and choice in result.output, (cmd, choice)


def test_check_json_prints_json_and_json_out_writes_it(tmp_path: Path) -> None:
    out = tmp_path / "check.json"
    args = ["annotate", "check", "--n", "30", "--shared", str(tmp_path / "none"), "--json"]
    result = runner.invoke(app, [*args, "--json-out", str(out)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == json.loads(out.read_text()) and printed[0]["texts"] == 30
