"""bench/sandbox_realism.py: the sellers' forms table, the gold file join (row + text hash) and a tiny
transfer run end to end on a hand-made CSV (no ../shared needed). No figure is asserted."""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

realism_bench = importlib.import_module("bench.sandbox_realism")

TITLES = ["2013 BMW 5-Series 528i 4dr Sedan", "Audi: A4 S-Line", "", "2015 Lexus ES 350 - 62k mi"]


@pytest.fixture
def real_csv(tmp_path: Path) -> Path:
    path = tmp_path / "titles.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Car Model", "Image URL", "Car URL"])
        for title in TITLES:
            writer.writerow([title + " ", "", ""])  # eBay leaves a trailing space: the join strips it
    return path


def _gold_line(row: int, spans: list[list]) -> str:
    digest = hashlib.sha256(TITLES[row].encode("utf-8")).hexdigest()
    return json.dumps({"row": row, "text_sha256": digest, "label": spans})


def test_read_gold_joins_rows_by_hash(real_csv: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"header": {"titles": 2}}) + "\n"
        + _gold_line(0, [[0, 4, "YEAR"], [5, 8, "MAKE"], [23, 32, "BODY"]]) + "\n"
        + _gold_line(3, [[0, 4, "YEAR"]]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    texts, spans = realism_bench.read_gold(gold, real_csv)
    assert texts == [TITLES[0], TITLES[3]]
    assert texts[0][23:32] == "4dr Sedan" and spans[0][2] == (23, 32, "BODY")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "gold.jsonl:1: not JSON"),
        (json.dumps({"row": 0}), "gold.jsonl:1: expected row, text_sha256 and label"),
        (json.dumps({"row": 9, "text_sha256": "x", "label": []}), "row 9 is not in"),
        (json.dumps({"row": 1, "text_sha256": "0" * 64, "label": []}), "row 1 of .*hash differs"),
    ],
)
def test_bad_gold_is_a_one_line_error(real_csv: Path, tmp_path: Path, line: str, message: str) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(realism_bench.GoldFileError, match=message.replace("(", r"\(")):
        realism_bench.read_gold(gold, real_csv)


def test_missing_gold_file_exits_1(real_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = realism_bench.main(["--n", "20", "--csv", str(real_csv), "--gold", str(tmp_path / "none.jsonl")])
    assert code == 1 and "file not found" in capsys.readouterr().err


def test_realism_and_tiny_transfer_run(real_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        _gold_line(0, [[0, 4, "YEAR"], [5, 8, "MAKE"], [9, 17, "MODEL"]]) + "\n", encoding="utf-8"
    )
    argv = ["--n", "40", "--csv", str(real_csv), "--transfer", "40", "--epochs", "1", "--gold", str(gold),
            "--out", str(tmp_path / "work")]  # fmt: skip
    assert realism_bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "sellers' forms" in out and "| body + doors" in out
    assert "silver gold" in out and "hand-checked gold (1 titles)" in out and "| MAKE" in out
