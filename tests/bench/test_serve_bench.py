"""bench/serve.py at a tiny scale (a fraction of a second a row), so it cannot rot; no figure is asserted."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

serve = importlib.import_module("bench.serve")


def test_serve_bench_runs_end_to_end(tmp_path: Path) -> None:
    md = tmp_path / "serve.md"
    argv = ["--build", str(tmp_path / "models"), "--listings", "60", "--seconds", "0.3"]
    rows = serve.main([*argv, "--kinds", "student-soft", "--md", str(md)])
    table = [r for r in rows if "request" in r]
    assert {(r["request"], r["clients"]) for r in table} == {
        (shape, n) for shape in ("1 title", "64 titles") for n in (1, 8, 32)
    }
    assert all(r["errors"] == 0 and r["requests"] > 0 for r in table)
    probe = next(r["fairness"] for r in rows if "fairness" in r)
    assert probe["big_status"] == 200 and probe["huge_status"] == 413
    text = md.read_text(encoding="utf-8")
    assert "| student-soft | 1 title | 32 |" in text and "- commit: " in text and "- command: " in text
    assert len(list((tmp_path / "models" / "models" / "baseline").glob("*/metrics.json"))) == 1  # the chain's
    speed = next(r["speed"] for r in rows if "speed" in r)
    assert speed["batch1"] > 0 and speed["batch32"] > 0 and "titles/s, batches of 32" in text
