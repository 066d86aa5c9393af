"""carner installs as one namespace: the user's folders are `carner.*`, nothing else joins the import path,
and folders or modules of the same generic names in the working directory change nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GENERIC = ("flows", "db", "scraper", "annotation", "training")


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_only_carner_is_importable_outside_the_checkout(tmp_path: Path) -> None:
    code = (
        "import importlib.util, carner.flows, carner.cli\n"
        f"print([m for m in {GENERIC!r} if importlib.util.find_spec(m) is not None])\n"
        "print(carner.flows.__name__)"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "carner.flows"]


def test_a_db_py_and_flows_folder_in_the_working_directory_change_nothing(tmp_path: Path) -> None:
    (tmp_path / "db.py").write_text("raise RuntimeError('the user module was imported')\n")
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "__init__.py").write_text("raise RuntimeError('the user package was imported')\n")
    code = "from carner.cli import main; import carner.db.engine, carner.flows.pipeline; print('ok')"
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_the_console_script_runs_from_a_directory_with_clashing_names(tmp_path: Path) -> None:
    (tmp_path / "db.py").write_text("raise RuntimeError('the user module was imported')\n")
    carner = Path(sys.executable).with_name("carner")
    proc = subprocess.run([str(carner), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Usage: carner" in proc.stdout


def test_the_public_api_is_lazy_and_complete() -> None:
    code = (
        "import sys, carner\n"
        "assert 'torch' not in sys.modules and 'spacy' not in sys.modules\n"
        "print(callable(carner.load_model), callable(carner.predict), bool(carner.__version__))"
    )
    proc = _python(code, Path(__file__).parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "True True True"
