"""A real Prefect server and workers as subprocesses, for tests of work pools and deployments.

`prefect server start` runs on a free 127.0.0.1 port with its own PREFECT_HOME (its SQLite database
lives there) and analytics off (no internet here); `prefect worker start` polls a work pool every
second. Both run in their own process group, stopped (SIGTERM, then SIGKILL) when the block ends.
Everything else talks to them through the CLI or the REST API, as a user on another machine would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prefect_env(home: Path, api_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a Prefect subprocess: nothing from the developer's Prefect or carner setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CARNER_"))}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"  # the worker's flow runs call `python`
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_LOGGING_LEVEL="INFO",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra)
    return env


def prefect_cli() -> str:
    return str(Path(sys.executable).with_name("prefect"))


def _stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)  # the group this module started (server/worker children)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


@contextlib.contextmanager
def prefect_server(home: Path, startup_timeout: float = 120.0) -> Iterator[str]:
    """`prefect server start` on a free port; yields the API URL (`http://127.0.0.1:PORT/api`)."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [prefect_cli(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=prefect_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited ({proc.returncode}): {tail(home / 'server.log')}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"prefect server not up after {startup_timeout} s: {tail(home / 'server.log')}"
                )
            time.sleep(0.5)
        yield api_url
    finally:
        _stop(proc)
        log.close()


@contextlib.contextmanager
def prefect_worker(
    env: dict[str, str], pool: str, log_path: Path, cwd: Path | None = None
) -> Iterator[subprocess.Popen]:
    """`prefect worker start --pool POOL` (the pool's type decides the worker's)."""
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [prefect_cli(), "worker", "start", "--pool", pool, "--name", f"{pool}-test-worker"],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        _stop(proc)
        log.close()


def run_cli(args: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 120) -> str:
    """Run `prefect ARGS` (no prompts); its output, or an AssertionError carrying it."""
    done = subprocess.run(
        [prefect_cli(), "--no-prompt", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"prefect {' '.join(args)} failed ({done.returncode}):\n{output[-4000:]}"
    return output


def create_flow_run(api_url: str, flow: str, deployment: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """A run of `flow/deployment` through the REST API (what `prefect deployment run` does)."""
    dep = httpx.get(f"{api_url}/deployments/name/{flow}/{deployment}", timeout=10)
    dep.raise_for_status()
    run = httpx.post(
        f"{api_url}/deployments/{dep.json()['id']}/create_flow_run",
        json={"parameters": parameters},
        timeout=10,
    )
    run.raise_for_status()
    return run.json()


def wait_for_flow_run(api_url: str, flow_run_id: str, timeout: float) -> dict[str, Any]:
    """Poll the flow run until a terminal state; the run's JSON (TimeoutError with its last state)."""
    deadline = time.monotonic() + timeout
    while True:
        run = httpx.get(f"{api_url}/flow_runs/{flow_run_id}", timeout=10).json()
        if run["state"]["type"] in TERMINAL:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"flow run {flow_run_id} still {run['state']['type']} after {timeout} s")
        time.sleep(1.0)


def tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""
