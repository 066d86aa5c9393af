"""`carner annotate import` on hostile files: one FILE:LINE (or FILE) error, exit 2, no traceback,
bounded memory, the database unchanged (a dump compared before and after). Also: export order comes
from doccano's data or `--exported-at`, never from a file's mtime."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import carner.annotation.doccano as doccano
import pytest
from carner.annotation.store import ensure_tasks, text_hash
from carner.db.engine import make_engine, session_factory, sqlite_url, upgrade
from carner.db.models import Listing
from typer.testing import CliRunner

from carner.cli import app

TEXT = "VW Golf GTI 2019 Rot"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    url = sqlite_url(tmp_path / "carner.db")
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        session.add(Listing(item_id="200000000004", url="http://127.0.0.1/itm/200000000004", title=TEXT))
        session.flush()
        ensure_tasks(session)
        session.commit()
    engine.dispose()
    return tmp_path


def row(label: list) -> dict:
    return {
        "text": TEXT,
        "label": label,
        "listing_id": "200000000004",
        "field": "title",
        "text_hash": text_hash(TEXT),
    }


def dump(workdir: Path) -> list[str]:
    with sqlite3.connect(workdir / "carner.db") as conn:
        return list(conn.iterdump())


def run_import(workdir: Path, file: Path, *extra: str):
    return CliRunner().invoke(app, ["annotate", "import", str(file), "--workdir", str(workdir), *extra])


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def corrupt_zip() -> bytes:
    data = bytearray(zip_bytes({"admin.jsonl": (json.dumps(row([[0, 2, "MAKE"]])) + "\n").encode() * 50}))
    data[60:90] = b"\x00" * 30  # inside the compressed member: the central directory still reads
    return bytes(data)


GOOD = json.dumps(row([[0, 2, "MAKE"]]))
HOSTILE: dict[str, tuple[bytes, str, str]] = {
    # name: (file bytes, suffix, what the one error line says)
    "lone_surrogate": ((GOOD + "\n" + GOOD.replace("VW Golf", "VW \\ud800 Golf") + "\n").encode(), "jsonl",
                       ":2: text contains a lone surrogate \\ud800"),
    "deep_nesting": (b"[" * 100_000 + b"]" * 100_000 + b"\n", "jsonl", ":1: bad JSON: nested too deeply"),
    "huge_offset": (GOOD.replace("[[0, 2", "[[" + "9" * 5000 + ", 2").encode(), "jsonl",
                    ":1: bad JSON: Exceeds"),
    "corrupt_zip": (corrupt_zip(), "zip", "corrupt zip"),
    "empty_file": (b"", "jsonl", "no annotation lines (the file is empty)"),
    "blank_lines": (b"\n\n  \n", "jsonl", "no annotation lines (the file is empty)"),
    "zip_without_jsonl": (zip_bytes({"readme.txt": b"hello"}), "zip",
                          "zip has no .jsonl member (found: readme.txt)"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_import_is_one_line_exit_2_and_changes_nothing(workdir: Path, kind: str) -> None:
    content, suffix, expected = HOSTILE[kind]
    file = workdir / f"{kind}.{suffix}"
    file.write_bytes(content)
    before = dump(workdir)
    result = run_import(workdir, file)
    assert result.exit_code == 2, result.output
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )
    lines = result.stderr.strip().splitlines()
    assert str(file) in result.stderr and expected in result.stderr, result.stderr
    assert (
        len([line for line in lines if not line.startswith(str(file))]) <= 1
    )  # FILE:LINE lines + one summary
    assert dump(workdir) == before


def test_zip_bomb_is_refused_within_bounded_memory(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member inflating past the cap is refused while reading, whatever size it declares."""
    import tracemalloc

    monkeypatch.setattr(doccano, "MAX_IMPORT_BYTES", 2_000_000)
    bomb = workdir / "bomb.zip"
    bomb.write_bytes(zip_bytes({"admin.jsonl": b"\n" * 20_000_000}))  # 20 MB of newlines in ~20 KB
    assert bomb.stat().st_size < 100_000
    before = dump(workdir)
    tracemalloc.start()
    result = run_import(workdir, bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.exit_code == 2 and "import limit" in result.stderr
    assert "larger than the 2,000,000-byte" in result.stderr or "1,000,000-line" in result.stderr
    assert peak < 12_000_000, peak  # the 20 MB member was never inflated whole
    assert dump(workdir) == before


def test_a_copy_of_an_old_export_does_not_replace_newer_gold(workdir: Path) -> None:
    """`cp old.jsonl copy.jsonl` gives the copy a new mtime; it must still count as the older export."""
    old = workdir / "old.jsonl"
    old.write_text(json.dumps(row([[0, 2, "MAKE"]])) + "\n", encoding="utf-8")
    new = workdir / "new.jsonl"
    new.write_text(json.dumps(row([[0, 2, "MAKE"], [3, 7, "MODEL"]])) + "\n", encoding="utf-8")
    assert run_import(workdir, old).exit_code == 0
    assert run_import(workdir, new).exit_code == 0
    copy = workdir / "copy.jsonl"
    copy.write_bytes(old.read_bytes())
    os.utime(copy, (2_000_000_000, 2_000_000_000))  # far in the future
    result = run_import(workdir, copy)
    assert result.exit_code == 0 and "1 older than the stored version" in result.stdout, result.output
    with sqlite3.connect(workdir / "carner.db") as conn:
        current = conn.execute("SELECT spans FROM annotation WHERE current = 1").fetchall()
    assert [json.loads(spans) for (spans,) in current] == [[[0, 2, "MAKE"], [3, 7, "MODEL"]]]
    # an explicit, later export time is the user's word: it applies
    result = run_import(workdir, copy, "--exported-at", "2030-01-01T00:00:00")
    assert result.exit_code == 0 and "1 replaced" in result.stdout, result.output
    bad = run_import(workdir, copy, "--exported-at", "yesterday")
    assert bad.exit_code == 2 and "--exported-at 'yesterday'" in bad.stderr


def test_zip_export_is_ordered_by_doccanos_own_timestamp(workdir: Path) -> None:
    def export(spans: list, when: tuple) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(zipfile.ZipInfo("admin.jsonl", date_time=when), json.dumps(row(spans)) + "\n")
        return buf.getvalue()

    older, newer = workdir / "a.zip", workdir / "b.zip"
    older.write_bytes(export([[0, 2, "MAKE"]], (2026, 1, 1, 10, 0, 0)))
    newer.write_bytes(export([[0, 2, "MAKE"], [3, 7, "MODEL"]], (2026, 2, 1, 10, 0, 0)))
    assert run_import(workdir, newer).exit_code == 0
    os.utime(older, (2_000_000_000, 2_000_000_000))
    result = run_import(workdir, older)
    assert result.exit_code == 0 and "1 older than the stored version" in result.stdout, result.output


def test_a_flood_of_bad_lines_is_twenty_errors_and_a_count(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """21 KB of zip holding 20 MB of `{}` lines: the first 20 errors, "and K more", bounded memory and
    time; the import stops at the line limit (lowered here to keep the test short)."""
    import time
    import tracemalloc

    monkeypatch.setattr(doccano, "MAX_IMPORT_LINES", 200_000)

    flood = workdir / "flood.zip"
    flood.write_bytes(zip_bytes({"admin.jsonl": b"{}\n" * 7_000_000}))
    assert flood.stat().st_size < 100_000
    before = dump(workdir)
    tracemalloc.start()
    t0 = time.perf_counter()
    result = run_import(workdir, flood)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.exit_code == 2, result.output
    assert "200,000-line import limit" in result.stderr and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 23 and lines[1].endswith(":1: missing text")  # the cap, 20 lines, more, summary
    assert "... and 199,980 more bad line(s)" in result.stderr
    assert peak < 20_000_000 and seconds < 120, (peak, seconds)
    assert dump(workdir) == before


def test_many_bad_lines_show_the_first_twenty_and_count_the_rest(workdir: Path) -> None:
    bad = workdir / "bad.jsonl"
    bad.write_bytes(b"{}\n" * 5000 + (GOOD + "\n").encode() + b"not json\n")
    result = run_import(workdir, bad)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    shown = [line for line in lines if line.startswith(f"{bad}:")]
    assert len(shown) == 20 and shown[0] == f"{bad}:1: missing text" and shown[-1].startswith(f"{bad}:20:")
    assert "... and 4,981 more bad line(s)" in result.stderr
    assert "5,001 bad line(s) in" in lines[-1]


def test_dataset_from_doccano_shares_the_bounded_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"[]\n" * 300)
    result = CliRunner().invoke(
        app, ["dataset", "build", "--from-doccano", str(bad), "--out", str(tmp_path / "ds")]
    )
    assert result.exit_code == 2, result.output
    assert "... and 280 more bad line(s)" in result.stderr and "300 bad line(s)" in result.stderr
    assert not (tmp_path / "ds" / "text_train.npy").exists()


def test_an_over_long_line_is_named_and_skipped_without_holding_it(workdir: Path, monkeypatch) -> None:
    monkeypatch.setattr(doccano, "MAX_LINE_BYTES", 1000)
    file = workdir / "long.jsonl"
    file.write_bytes((GOOD + "\n").encode() + b"x" * 50_000 + b"\n" + (GOOD + "\n").encode())
    result = run_import(workdir, file)
    assert result.exit_code == 2
    assert f"{file}:2: line of 50,001 bytes is longer than the 1,000-byte limit" in result.stderr
