"""The hand-checked gold spans of the real eBay Motors titles: every span against the CSV's text.

The CSV is third-party data in ../shared (the tests that read it skip cleanly without it); the
builder and loader are also checked on a tiny CSV written here, so they are tested everywhere.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from carner.annotation.labels import LABELS
from carner.annotation.real_gold import (
    SEDANS_GOLD,
    RealGoldError,
    build_gold,
    load_real_gold,
    locate,
    main,
    read_gold_file,
    render,
    span_problems,
)

SEDANS = Path("car-titles") / "ebay_motors_sedans_info.csv"


def _csv_titles(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["Car Model"].strip() for row in csv.DictReader(fh)]


def test_every_gold_span_fits_the_csv_text(shared_data: Path) -> None:
    csv_path = shared_data / SEDANS
    texts = _csv_titles(csv_path)
    header, records = read_gold_file(SEDANS_GOLD)
    assert header["source_sha256"] == hashlib.sha256(csv_path.read_bytes()).hexdigest()
    assert [r["row"] for r in records] == list(range(len(texts))) == list(range(360))  # every title, once
    for rec in records:
        text = texts[rec["row"]]
        assert rec["text_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest(), rec["row"]
        spans = sorted((s, e, lab) for s, e, lab in rec["label"])
        for (s, e, lab), nxt in zip(spans, spans[1:] + [None], strict=True):
            assert lab in LABELS, (rec["row"], lab)
            assert 0 <= s < e <= len(text), (rec["row"], s, e)
            piece = text[s:e]
            assert piece == piece.strip() and piece.strip(":") == piece, (rec["row"], piece)
            assert nxt is None or nxt[0] >= e, (rec["row"], "overlap", (s, e, lab), nxt)
    same_text: dict[str, set[str]] = {}
    for rec in records:  # a title that occurs twice is read the same way twice
        same_text.setdefault(rec["text_sha256"], set()).add(json.dumps(sorted(rec["label"])))
    assert all(len(readings) == 1 for readings in same_text.values())
    counts = Counter(lab for rec in records for _, _, lab in rec["label"])
    assert set(counts) == set(LABELS)  # all eleven labels occur in real titles
    assert counts["MAKE"] >= 355 and counts["MODEL"] >= 340  # "Other Makes" / "Other" rows have none


def test_loader_joins_gold_and_csv_by_row_and_hash(shared_data: Path) -> None:
    gold = load_real_gold(shared_data / SEDANS)
    assert len(gold) == 360
    by_row = {g.row: g for g in gold}

    # A few readings the guidelines fix, checked on the text itself.
    def spans_of(row: int) -> set[tuple[str, str]]:
        g = by_row[row]
        return {(g.text[s:e], lab) for s, e, lab in g.spans}

    assert {("2019", "YEAR"), ("BMW", "MAKE"), ("7-Series", "MODEL")} <= spans_of(160)
    assert {("M760i xDrive", "TRIM"), ("AWD", "DRIVETRAIN"), ("4dr Sedan", "BODY")} <= spans_of(160)
    assert {("LS", "MODEL"), ("400", "TRIM")} <= spans_of(336)
    assert {("5.7L V8", "ENGINE"), ("Brougham", "TRIM")} <= spans_of(238)
    assert {("27,087 Actual Miles", "MILEAGE")} <= spans_of(226)


def test_loader_refuses_a_changed_csv(shared_data: Path, tmp_path: Path) -> None:
    lines = (shared_data / SEDANS).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[6] = lines[6].replace("Mercedes-Benz", "Mercedes Benz", 1)  # row 5: a one-character edit
    changed = tmp_path / "sedans.csv"
    changed.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(RealGoldError, match=r"row 5 of .*hash differs"):
        load_real_gold(changed)


def _write_csv(path: Path, titles: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Car Model", "Image URL", "Car URL"])
        for t in titles:
            w.writerow([t + " ", "", ""])
    return path


def test_build_and_load_a_gold_file_from_surface_lines(tmp_path: Path) -> None:
    titles = ["2001 Acme Roadster S S Sedan 4D", "Acme: Coupe-X GT"]
    csv_path = _write_csv(tmp_path / "t.csv", titles)
    surfaces = tmp_path / "s.txt"
    surfaces.write_text(
        "# comment\n0: YEAR 2001 | MAKE Acme | MODEL Roadster | TRIM S@2 | BODY Sedan 4D\n"
        "1: MAKE Acme | TRIM GT\n",
        encoding="utf-8",
    )
    out = tmp_path / "gold" / "g.jsonl"
    assert build_gold([surfaces], csv_path, out) == 2
    header, records = read_gold_file(out)
    assert header["titles"] == 2 and header["source_rows"] == 2
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[1])["row"] == 0
    gold = load_real_gold(csv_path, out)
    assert gold[0].text == titles[0]  # outer spaces stripped, as the silver reader does
    assert [(gold[0].text[s:e], lab) for s, e, lab in gold[0].spans] == [
        ("2001", "YEAR"),
        ("Acme", "MAKE"),
        ("Roadster", "MODEL"),
        ("S", "TRIM"),
        ("Sedan 4D", "BODY"),
    ]
    assert gold[0].spans[3][0] == titles[0].index("S S") + 2  # the second whole-word "S"


def test_builder_names_the_row_of_a_bad_line(tmp_path: Path) -> None:
    csv_path = _write_csv(tmp_path / "t.csv", ["2001 Acme Roadster"])
    out = tmp_path / "g.jsonl"
    for text, message in [
        ("0: MODEL Road", r"row 0: 'Road' occurs 0 times"),  # not a whole word
        ("0: MAKE Acme | MODEL Acme Roadster", r"row 0: .*overlaps"),
        ("0: COLOUR Acme", r"row 0: .*unknown label"),
        ("3: MAKE Acme", r"row 3: not in the CSV"),
        ("zero: MAKE Acme", r"line 1: expected"),
    ]:
        (tmp_path / "s.txt").write_text(text + "\n", encoding="utf-8")
        with pytest.raises(RealGoldError, match=message):
            build_gold([tmp_path / "s.txt"], csv_path, out)
        assert not out.exists()  # nothing half-written


def test_loader_names_the_line_of_a_broken_gold_file(tmp_path: Path) -> None:
    csv_path = _write_csv(tmp_path / "t.csv", ["2001 Acme Roadster"])
    gold = tmp_path / "g.jsonl"
    gold.write_text('{"header": {}}\n{"row": 0, "label": []}\n', encoding="utf-8")
    with pytest.raises(RealGoldError, match=r"g.jsonl:2: expected row, text_sha256"):
        load_real_gold(csv_path, gold)
    gold.write_text('{"header": {}}\n{"row": 0,\n', encoding="utf-8")
    with pytest.raises(RealGoldError, match=r"g.jsonl:2: not JSON"):
        load_real_gold(csv_path, gold)
    with pytest.raises(RealGoldError, match=r"file not found"):
        load_real_gold(tmp_path / "absent.csv", gold)


def test_span_problems_and_locate() -> None:
    text = "2001 Acme  Roadster"
    assert span_problems(text, [(0, 4, "YEAR"), (5, 9, "MAKE")]) == []
    problems = span_problems(text, [(0, 5, "YEAR"), (4, 9, "MAKE"), (5, 99, "MODEL"), (0, 1, "NOPE")])
    assert any("space" in p for p in problems)
    assert any("out of range" in p for p in problems)
    assert any("overlaps" in p for p in problems)
    assert any("unknown label" in p for p in problems)
    assert locate("A4 A4 quattro", "A4", 2) == (3, 5)
    with pytest.raises(RealGoldError):
        locate("S-Class S 580", "S", 3)


def test_gold_file_ships_with_the_package() -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert "*.jsonl" in pyproject["tool"]["setuptools"]["package-data"]["carner.annotation.gold"]
    assert SEDANS_GOLD.is_file() and SEDANS_GOLD.parent.name == "gold"


def test_review_printout_brackets_every_span(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render("2001 Acme Roadster", [(5, 9, "MAKE"), (0, 4, "YEAR")]) == "[2001]YEAR [Acme]MAKE Roadster"
    csv_path = _write_csv(tmp_path / "t.csv", ["2001 Acme Roadster", "Acme: Coupe"])
    surfaces = "0: YEAR 2001 | MAKE Acme\n1: MAKE Acme | MODEL Coupe\n"
    (tmp_path / "s.txt").write_text(surfaces, encoding="utf-8")
    build_gold([tmp_path / "s.txt"], csv_path, tmp_path / "g.jsonl")
    assert main([str(csv_path), "--gold", str(tmp_path / "g.jsonl"), "--rows", "1-1"]) == 0
    assert capsys.readouterr().out == "1\t[Acme]MAKE: [Coupe]MODEL\n"
    assert main([str(csv_path), "--gold", str(tmp_path / "g.jsonl"), "--rows", "x"]) == 1
    assert main([str(tmp_path / "absent.csv"), "--gold", str(tmp_path / "g.jsonl")]) == 1
    assert "file not found" in capsys.readouterr().err
