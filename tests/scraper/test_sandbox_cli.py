"""`carner sandbox serve`: help text, one-line errors, and a real server process answering over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from carner.scraper.sandbox.server import SandboxServer
from typer.testing import CliRunner

from carner.cli import app

CARNER = Path(sys.executable).parent / "carner"
runner = CliRunner()


def _error_line(result) -> str:
    text = (result.stderr or result.output).strip()
    assert text.count("\n") == 0, f"expected a one-line error, got:\n{text}"
    return text


def test_help_describes_every_option():
    result = runner.invoke(app, ["sandbox", "serve", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--listings",
        "--seed",
        "--faults",
        "--page-size",
        "--retry-after",
        "--slow-s",
    ):
        assert option in result.output
    assert "429" in result.output and "Retry-After" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--faults", "teapot:0.5"], "unknown fault 'teapot'"),
        (["--faults", "429:2.5"], "rate must lie in 0..1"),
        (["--listings", "-3"], "--listings must be >= 0"),
        (["--port", "70000"], "--port must be in 0..65535"),
    ],
)
def test_bad_input_gives_one_line_error(args, message):
    result = runner.invoke(app, ["sandbox", "serve", "--port", "0", *args])
    assert result.exit_code != 0
    line = _error_line(result)
    assert message in line and line.startswith("Error:")


def test_port_in_use_gives_one_line_error():
    with SandboxServer(n_listings=1) as busy:
        result = runner.invoke(app, ["sandbox", "serve", "--port", str(busy.port), "--listings", "2"])
    assert result.exit_code != 0
    line = _error_line(result)
    assert f"127.0.0.1:{busy.port}" in line and "in use" in line


@pytest.mark.skipif(not CARNER.exists(), reason="the carner console script is not installed in this venv")
def test_serve_subprocess_answers_and_stops_on_ctrl_c(tmp_path):
    # stderr goes to a file, not a pipe nobody drains: a full pipe would block the server's exit
    err_path = tmp_path / "stderr.txt"
    with open(err_path, "w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [str(CARNER), "sandbox", "serve", "--port", "0", "--listings", "12", "--seed", "4",
             "--faults", "block:1"],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "http://" not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, err_path.read_text(encoding="utf-8")
        base_url = line[line.index("http://") :].split()[0]
        assert base_url.startswith("http://127.0.0.1:")
        assert "Pardon Our Interruption" in requests.get(f"{base_url}/sch/i.html?_nkw=cars", timeout=5).text
        page = requests.get(f"{base_url}/sch/i.html?_nkw=cars", timeout=5)
        expected = SandboxServer(n_listings=12, seed=4).listings
        assert page.status_code == 200 and all(x.item_id in page.text for x in expected)
        proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            tail = err_path.read_text(encoding="utf-8")[-2000:]
            pytest.fail(f"no exit 30 s after Ctrl-C; stderr tail: {tail}")
        assert rc == 0, err_path.read_text(encoding="utf-8")[-2000:]
        assert "stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
