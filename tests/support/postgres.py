"""A real PostgreSQL server on 127.0.0.1 for tests: initdb in a temp dir, pg_ctl start, stop after.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
Returns None (callers skip) where the binaries are not installed.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    return None


def postgres_available() -> str | None:
    """None when a server can be started here, else the reason it cannot."""
    if not (_bin("initdb") and _bin("pg_ctl")):
        return "PostgreSQL binaries (initdb, pg_ctl) not installed"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and no 'postgres' user to run the server"
    return None


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Start a throwaway server; yield a `postgresql+psycopg://` URL to its `carner` database."""
    reason = postgres_available()
    if reason:
        raise RuntimeError(reason)
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    home = Path(tempfile.mkdtemp(prefix="carner-pg-"))
    data, sock = home / "data", home / "sock"
    sock.mkdir()
    if as_root:
        entry = pwd.getpwnam("postgres")
        for path in (home, sock):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    run = {"check": True, "capture_output": True, "text": True}
    try:
        subprocess.run(
            [*prefix, _bin("initdb"), "-D", str(data), "-U", "carner", "--auth=trust", "-E", "UTF8"], **run
        )
        opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*prefix, _bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(home / "log"), "-w", "start"],
            **run,
        )
        subprocess.run(
            [*prefix, _bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "carner", "carner"], **run
        )
        yield f"postgresql+psycopg://carner@127.0.0.1:{port}/carner"
    finally:
        if data.exists():
            subprocess.run(
                [*prefix, _bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
            )
        shutil.rmtree(home, ignore_errors=True)
