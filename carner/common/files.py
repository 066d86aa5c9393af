"""Temp files and folders that end up as outputs get the user's umask, not `tempfile`'s owner-only mode.

Why: every stage writes through a temp file (or folder) and `os.replace`, so readers never see half
a file. `tempfile.mkstemp`/`mkdtemp` create 0600/0700 on purpose (they are meant to stay private), and
the rename keeps that mode: model directories, `batch.jsonl` and `report.json` came out unreadable to
a serving container or doccano running as another user. These wrappers give the mode `open()` and
`mkdir()` would have given (0644/0755 under the usual umask 022). Lives in `carner.common`, the lowest layer,
so that every layer can use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def current_umask() -> int:
    """The process umask (read on every call: a few microseconds, and always the current one), without
    changing it where Linux shows it, so no other thread ever sees a temporary umask."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            found = re.search(r"^Umask:\s*([0-7]+)", fh.read(), re.MULTILINE)
        if found:
            return int(found.group(1), 8)
    except OSError:
        pass
    old = os.umask(0o022)  # elsewhere: the classic read-by-setting, restored at once
    os.umask(old)
    return old


def file_mode() -> int:
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    return 0o777 & ~current_umask()


def mkstemp_shared(**kwargs: Any) -> tuple[int, str]:
    """`tempfile.mkstemp` whose file has the mode `open()` would give it."""
    fd, path = tempfile.mkstemp(**kwargs)
    os.fchmod(fd, file_mode())
    return fd, path


def mkdtemp_shared(**kwargs: Any) -> str:
    """`tempfile.mkdtemp` whose folder has the mode `mkdir()` would give it."""
    path = tempfile.mkdtemp(**kwargs)
    os.chmod(path, dir_mode())
    return path


def share_tree(root: str | os.PathLike[str]) -> None:
    """Give every folder and file under `root` the umask's mode: libraries that write through their
    own temp files (safetensors' `save_file` made `model.safetensors` 0600) are brought in line."""
    os.chmod(root, dir_mode())
    for parent, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(parent, name), dir_mode())
        for name in files:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                os.chmod(path, file_mode())


# ------------------------------------------------------------------ the one atomic writer, the one file hash
@contextlib.contextmanager
def atomic_file(
    path: Path | str, mode: str = "wb", encoding: str | None = None, newline: str | None = None
) -> Iterator[IO[Any]]:
    """The one atomic writer: a temp file beside `path`, moved over it only when the block succeeds.

    Readers never see half a file; on error the temp file is removed and `path` stays as it was.
    Streaming writers (augmented JSONL, label chunks) and whole-file writers use it alike.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = mkstemp_shared(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    with atomic_file(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json_atomic(path: Path | str, data: Any) -> None:
    """Write JSON atomically (see `atomic_file`)."""
    with atomic_file(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=False)
        fh.write("\n")


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh temp directory beside `target`; on success it replaces `target` as a whole.

    On error the temp directory is removed and an existing `target` stays as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(mkdtemp_shared(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        share_tree(tmp)  # the user's umask for everything inside, whoever wrote it
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def file_sha256(path: Path, limit: int | None = None) -> str:
    """Content hash of a file (streamed), used to tell whether a stage's input changed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:limit] if limit else h.hexdigest()
