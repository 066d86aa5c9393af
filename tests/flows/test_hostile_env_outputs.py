"""Bad settings, unusable databases and special output paths: one line naming the variable or path,
exit 2, no traceback, nothing replaced. The checks live in the mechanisms (settings, the engine, the one
atomic writer, the CLI's error handling), so every command is covered; a few are exercised here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from carner.annotation.store import ensure_tasks
from carner.db.engine import make_engine, session_factory, sqlite_url, upgrade
from carner.db.models import Listing
from typer.testing import CliRunner

from carner.cli import app
from carner.common.files import OutputError, atomic_file, check_output

ROOT = Path(__file__).resolve().parents[2]


def invoke(args: list[str], env: dict[str, str] | None = None):
    result = CliRunner().invoke(app, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize(
    ("variable", "value", "shown"),
    [
        ("CARNER_SERVE_MAX_BATCH", "abc", "CARNER_SERVE_MAX_BATCH='abc': Input should be a valid integer"),
        ("CARNER_SCRAPE_QUERIES", "[bad", "CARNER_SCRAPE_QUERIES: not valid JSON"),
        ("CARNER_DB_URL", "sqlite://", "in-memory SQLite database keeps nothing"),
        ("CARNER_DB_URL", "sqlite:///:memory:", "in-memory SQLite database keeps nothing"),
        ("CARNER_WORKDIR", "/dev/null", "CARNER_WORKDIR='/dev/null': /dev/null exists and is not a dir"),
        ("CARNER_WORKDIR", "/dev/null/data", "/dev/null is not a directory"),
        ("CARNER_DB_URL", "mysql://carner:hunter2@127.0.0.1/db", "driver not installed"),
        ("CARNER_DB_URL", "nosuchdialect://x", "nosuchdialect"),
    ],
)
@pytest.mark.parametrize("command", [["listings"], ["report"], ["predict", "--model", "baseline", "x"]])
def test_bad_settings_are_one_line_naming_the_variable(
    tmp_path: Path, variable: str, value: str, shown: str, command: list[str]
) -> None:
    env = {"CARNER_WORKDIR": str(tmp_path), variable: value}
    result = invoke(command, env)
    assert result.exit_code == 2, result.output
    assert shown in result.output and "hunter2" not in result.output


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "CARNER_SERVE_MAX_BATCH": "abc", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "carner", "report"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2 and "CARNER_SERVE_MAX_BATCH" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


# --------------------------------------------------------------------------- output targets


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    url = sqlite_url(tmp_path / "carner.db")
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        session.add(Listing(item_id="200000000004", url="http://127.0.0.1/itm/1", title="VW Golf GTI 2019"))
        session.flush()
        ensure_tasks(session)
        session.commit()
    engine.dispose()
    return tmp_path


def export(workdir: Path, out: Path):
    return invoke(["annotate", "export", "--out", str(out), "--workdir", str(workdir)])


def test_export_refuses_a_symlink_and_leaves_it(workdir: Path) -> None:
    target = workdir / "precious.txt"
    target.write_text("keep me\n")
    link = workdir / "out.jsonl"
    link.symlink_to(target)
    result = export(workdir, link)
    assert result.exit_code == 2 and "symbolic link" in result.output
    assert link.is_symlink() and target.read_text() == "keep me\n"


def test_export_refuses_a_fifo(workdir: Path) -> None:
    fifo = workdir / "pipe.jsonl"
    os.mkfifo(fifo)
    result = export(workdir, fifo)
    assert result.exit_code == 2 and "FIFO" in result.output
    assert fifo.is_fifo()


def test_export_to_a_directory_is_a_clear_error(workdir: Path) -> None:
    folder = workdir / "folder"
    folder.mkdir()
    result = export(workdir, folder)
    assert result.exit_code == 2 and "is a directory" in result.output
    assert folder.is_dir() and not list(folder.iterdir())


def test_export_to_a_regular_file_still_works(workdir: Path) -> None:
    out = workdir / "batch.jsonl"
    out.write_text("old\n")
    result = export(workdir, out)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text().splitlines()[0])["text"] == "VW Golf GTI 2019"


def test_report_out_a_file_is_a_clear_error(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "metrics.json").write_text(json.dumps({"kind": "baseline", "labels": ["MAKE"]}))
    out = tmp_path / "report.txt"
    out.write_text("mine\n")
    result = invoke(["report", "--models", str(model), "--out", str(out), "--no-plot"])
    assert result.exit_code == 2 and "is not a folder" in result.output
    assert out.read_text() == "mine\n"


def test_devices_are_never_output_targets(tmp_path: Path) -> None:
    for device in ("/dev/null", "/dev/full"):
        if os.path.exists(device):
            with pytest.raises(OutputError, match="a device"):
                check_output(device)
    with pytest.raises(OutputError, match="is not a folder"):
        check_output("/dev/null/x.json")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="not a folder"), atomic_file(blocker / "inside.json", "w"):
        pass


def test_atomic_file_refuses_a_symlink_swapped_in_while_writing(tmp_path: Path) -> None:
    out, other = tmp_path / "out.json", tmp_path / "other"
    other.write_text("other\n")
    with pytest.raises(OutputError, match="symbolic link"), atomic_file(out, "w") as fh:
        fh.write("new")
        out.symlink_to(other)
    assert other.read_text() == "other\n" and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- hostile npy


def test_npy_labels_nested_100k_deep_are_a_clear_error(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for split in ("train", "test"):
        np.save(tmp_path / f"text_{split}.npy", np.array(["VW Golf"], dtype=str))
        np.save(tmp_path / f"labels_{split}.npy", np.array([deep], dtype=str))
    result = invoke(["train", "baseline", "--data", str(tmp_path), "--epochs", "1"])
    assert result.exit_code == 2 and "nested too deeply" in result.output
    assert "labels_train.npy" in result.output


# --------------------------------------------------------------------------- terminal escapes


EVIL = "Camry \x1b]0;owned\x07 LE \x1b[2J\x9b31m [/] [red]x \u202eevil"


def test_listings_never_send_stored_control_characters_to_the_terminal(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "carner.db")
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        session.add(
            Listing(item_id="200000000009", url="http://127.0.0.1/itm/9", title=EVIL, location="\x1bP")
        )
        session.commit()
    engine.dispose()
    table = invoke(["listings", "--workdir", str(tmp_path)])
    assert table.exit_code == 0, table.output
    raw = table.output
    assert not any(ch in raw for ch in ("\x1b", "\x07", "\x9b", "\u202e"))
    assert "\\x1b]0;owned\\x07" in raw and "[/] [red]x" in raw  # shown, escaped, not read as markup
    lines = invoke(["listings", "--workdir", str(tmp_path), "--json"])
    assert lines.exit_code == 0
    assert not any(ch in lines.output for ch in ("\x1b", "\x07", "\x9b", "\u202e"))
    assert json.loads(lines.output.strip())["title"] == EVIL  # the JSON still carries the exact text


def test_error_messages_escape_control_characters(tmp_path: Path) -> None:
    bad = tmp_path / "in\x1b]0;x\x07.jsonl"
    result = invoke(["annotate", "import", str(bad), "--workdir", str(tmp_path)])
    assert result.exit_code == 2 and "\x1b" not in result.output and "\\x1b]0;x\\x07" in result.output


def test_environment_errors_are_user_errors_and_bugs_are_not() -> None:
    import errno

    from carner.cli.app import user_error

    full = OSError(errno.ENOSPC, "No space left on device", "/data/report.md")
    assert user_error(full) == "/data/report.md: cannot write: No space left on device"
    assert user_error(KeyError("bug")) is None and user_error(OSError(errno.EIO, "I/O")) is None
