"""Hand-checked gold spans for the real eBay Motors titles, stored without the titles themselves.

Why by row and hash: the titles are third-party data (`../shared/data/car-titles/
ebay_motors_sedans_info.csv`) and stay there; the repository keeps only row numbers, a SHA-256 of
each title and the character spans (docs/annotation-guidelines.md says how they were read). Joining
them back checks every hash, so a changed or reordered CSV fails loudly instead of scoring nonsense.

The gold file is JSON Lines: a header line `{"header": {...}}` (guidelines version, source file and
its SHA-256, row count), then one line per title `{"row": N, "text_sha256": "...", "label":
[[start, end, "LABEL"], ...]}` with Python `str` offsets into the stripped "Car Model" text, end
exclusive (doccano's JSONL span form).

`build_gold` writes that file from hand-written "row: LABEL surface | LABEL surface@2" lines (the
annotator names each span by its text and occurrence; offsets are computed and checked here).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carner.annotation.check import SEDANS_CSV, read_sedan_rows
from carner.annotation.labels import LABELS, Span

from carner.common.files import atomic_file, file_sha256

GOLD_DIR = Path(__file__).resolve().parent / "gold"
SEDANS_GOLD = GOLD_DIR / "ebay_motors_sedans.jsonl"
GUIDELINES_VERSION = "1"
SOURCE_NAME = f"data/car-titles/{SEDANS_CSV}"  # under the shared directory


class RealGoldError(ValueError):
    """The gold file and the CSV do not fit together (or the gold file itself is broken)."""


@dataclass(frozen=True)
class GoldTitle:
    row: int
    text: str
    spans: list[Span]


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def span_problems(text: str, spans: Iterable[Span], labels: Iterable[str] = LABELS) -> list[str]:
    """What is wrong with `spans` on `text` (empty when they are fine): range, label, spaces, overlaps."""
    known = set(labels)
    problems = []
    ordered = sorted((int(s), int(e), str(lab)) for s, e, lab in spans)
    for start, end, label in ordered:
        where = f"[{start}, {end}, {label!r}]"
        if label not in known:
            problems.append(f"{where}: unknown label")
        if not 0 <= start < end <= len(text):
            problems.append(f"{where}: out of range for a text of {len(text)} characters")
            continue
        piece = text[start:end]
        if piece != piece.strip():
            problems.append(f"{where}: starts or ends on a space")
    for (s1, e1, l1), (s2, e2, l2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            problems.append(f"[{s1}, {e1}, {l1!r}] overlaps [{s2}, {e2}, {l2!r}]")
    return problems


def read_gold_file(path: Path = SEDANS_GOLD) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and the records of a gold file; RealGoldError names the line of a broken one."""
    header: dict[str, Any] = {}
    records: list[dict[str, Any]] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RealGoldError(f"{path}: cannot read ({exc.strerror})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RealGoldError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if number == 1 and isinstance(obj, dict) and "header" in obj:
            header = obj["header"]
            continue
        if not (
            isinstance(obj, dict)
            and isinstance(obj.get("row"), int)
            and isinstance(obj.get("text_sha256"), str)
            and isinstance(obj.get("label"), list)
            and all(isinstance(s, list) and len(s) == 3 for s in obj["label"])
        ):
            raise RealGoldError(f"{path}:{number}: expected row, text_sha256 and label [[start, end, LABEL]]")
        records.append(obj)
    return header, records


def load_real_gold(csv_path: Path, gold_path: Path = SEDANS_GOLD) -> list[GoldTitle]:
    """The gold titles joined with their text from the CSV; RealGoldError when row or hash do not fit."""
    csv_path, gold_path = Path(csv_path), Path(gold_path)
    if not csv_path.is_file():
        raise RealGoldError(f"{csv_path}: file not found")
    _, records = read_gold_file(gold_path)
    texts = read_sedan_rows(csv_path)
    out = []
    for rec in records:
        row = rec["row"]
        if not 0 <= row < len(texts):
            raise RealGoldError(f"{gold_path}: row {row} is not in {csv_path} ({len(texts)} rows)")
        text = texts[row]
        if text_sha256(text) != rec["text_sha256"]:
            raise RealGoldError(
                f"{gold_path}: row {row} of {csv_path} has another text than the one annotated (hash differs)"
            )
        spans = [(int(s), int(e), str(lab)) for s, e, lab in rec["label"]]
        problems = span_problems(text, spans)
        if problems:
            raise RealGoldError(f"{gold_path}: row {row}: {problems[0]}")
        out.append(GoldTitle(row, text, sorted(spans)))
    return out


# --- building the gold file from hand-written surface lines ---------------------------------------

_LINE = re.compile(r"^\s*(\d+)\s*:(.*)$")
_ENTRY = re.compile(r"^([A-Z]+)\s+(.+?)(?:@(\d+))?$")


def locate(text: str, surface: str, occurrence: int = 1) -> tuple[int, int]:
    """Offsets of the `occurrence`-th whole-word match of `surface` in `text` (case-sensitive)."""
    pattern = re.compile(rf"(?<![^\W_]){re.escape(surface)}(?![^\W_])")
    found = [m.span() for m in pattern.finditer(text)]
    if len(found) < occurrence:
        raise RealGoldError(f"{surface!r} occurs {len(found)} times as a whole word, not {occurrence}")
    return found[occurrence - 1]


def parse_surface_lines(lines: Iterable[str]) -> dict[int, list[tuple[str, str, int]]]:
    """{row: [(label, surface, occurrence)]} from "row: LABEL surface | LABEL surface@2" lines."""
    out: dict[int, list[tuple[str, str, int]]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise RealGoldError(f"line {number}: expected 'row: LABEL surface | ...'")
        row = int(m.group(1))
        if row in out:
            raise RealGoldError(f"line {number}: row {row} given twice")
        entries = []
        for part in filter(None, (p.strip() for p in m.group(2).split("|"))):
            e = _ENTRY.match(part)
            if not e:
                raise RealGoldError(f"line {number}: bad entry {part!r}")
            entries.append((e.group(1), e.group(2), int(e.group(3) or 1)))
        out[row] = entries
    return out


def build_records(texts: list[str], surfaces: dict[int, list[tuple[str, str, int]]]) -> list[dict[str, Any]]:
    """Gold records (row, text hash, spans) for the annotated rows; RealGoldError names a bad row."""
    records = []
    for row in sorted(surfaces):
        if not 0 <= row < len(texts):
            raise RealGoldError(f"row {row}: not in the CSV ({len(texts)} rows)")
        text = texts[row]
        spans: list[Span] = []
        for label, surface, occurrence in surfaces[row]:
            try:
                start, end = locate(text, surface, occurrence)
            except RealGoldError as exc:
                raise RealGoldError(f"row {row}: {exc}") from None
            spans.append((start, end, label))
        problems = span_problems(text, spans)
        if problems:
            raise RealGoldError(f"row {row}: {'; '.join(problems)}")
        label = [list(s) for s in sorted(spans)]
        records.append({"row": row, "text_sha256": text_sha256(text), "label": label})
    return records


def write_gold(path: Path, header: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Write the gold file atomically (a half-written file is never left behind)."""
    with atomic_file(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"header": header}, ensure_ascii=False) + "\n")
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def build_gold(surface_files: list[Path], csv_path: Path, out_path: Path = SEDANS_GOLD) -> int:
    """Gold file from surface-line files and the CSV; returns the number of titles written."""
    lines: list[str] = []
    for f in surface_files:
        lines += Path(f).read_text(encoding="utf-8").splitlines()
    texts = read_sedan_rows(Path(csv_path))
    records = build_records(texts, parse_surface_lines(lines))
    header = {
        "guidelines": "docs/annotation-guidelines.md",
        "guidelines_version": GUIDELINES_VERSION,
        "source": SOURCE_NAME,
        "source_sha256": file_sha256(Path(csv_path)),
        "source_rows": len(texts),
        "text": "the 'Car Model' column with outer spaces stripped",
        "offsets": "Python str code points, end exclusive",
        "titles": len(records),
    }
    write_gold(out_path, header, records)
    return len(records)


# --- reading the gold by eye ----------------------------------------------------------------------


def render(text: str, spans: Iterable[Span]) -> str:
    """The title with each span bracketed and its label after it: "[2013]YEAR [BMW]MAKE ..."."""
    out = text
    for start, end, label in sorted(spans, reverse=True):
        out = f"{out[:start]}[{out[start:end]}]{label}{out[end:]}"
    return out


def main(argv: list[str] | None = None) -> int:
    """Print gold titles with their spans bracketed, for review (`python -m annotation.real_gold CSV`)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("csv", type=Path, help="CSV of real eBay Motors titles (ebay_motors_sedans_info.csv)")
    parser.add_argument("--gold", type=Path, default=SEDANS_GOLD)
    parser.add_argument("--rows", default="", help="first-last rows to show, e.g. 0-39 (default all)")
    args = parser.parse_args(argv)
    lo, _, hi = args.rows.partition("-")
    if not all(x.isdigit() for x in (lo, hi) if x):
        print(f"error: --rows {args.rows!r}: expected FIRST-LAST, e.g. 0-39", file=sys.stderr)
        return 1
    first, last = int(lo or 0), int(hi or lo or 10**9)
    try:
        titles = load_real_gold(args.csv, args.gold)
    except (RealGoldError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for t in titles:
        if first <= t.row <= last:
            print(f"{t.row}\t{render(t.text, t.spans)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
