"""Temp files and folders that end up as outputs get the user's umask, not `tempfile`'s owner-only mode.

Why: every stage writes through a temp file (or folder) and `os.replace`, so readers never see half
a file. `tempfile.mkstemp`/`mkdtemp` create 0600/0700 on purpose (they are meant to stay private), and
the rename keeps that mode: model directories, `batch.jsonl` and `report.json` came out unreadable to
a serving container or doccano running as another user. These wrappers give the mode `open()` and
`mkdir()` would have given (0644/0755 under the usual umask 022). Lives in `carner.common`, the lowest layer,
so that every layer can use it.

`atomic_file` / `atomic_dir` are the one atomic writers. They refuse a target that is not a regular
file (or folder): renaming over a symlink, a FIFO or a device (`--out /dev/null`) would replace it with
a plain file, and `/dev/full` would "succeed" having written nothing anyone can read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


class OutputError(ValueError):
    """An output path carner will not write: the message names the path and why."""


def _what(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def check_output(path: Path | str, *, directory: bool = False) -> Path:
    """`path` if carner may replace it: absent, or a regular file (a real folder with `directory`);
    its parent must be a folder or creatable. Raises `OutputError` otherwise (symlink, FIFO, device...)."""
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        blocker = next(p for p in reversed(path.parents) if p.exists() and not p.is_dir())
        raise OutputError(f"{path}: {blocker} is not a folder") from None
    except OSError as exc:  # no permission, name too long
        raise OutputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    if mode is not None:
        wanted = stat.S_ISDIR(mode) if directory else stat.S_ISREG(mode)
        if not wanted:
            kind = "a folder" if directory else "a file"
            raise OutputError(f"{path}: is {_what(mode)}, not {kind}; refusing to replace it")
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise OutputError(f"{path}: {parent} is not a folder")
            break
    return path


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create its folder {path.parent} ({exc.strerror or exc})") from None


@contextlib.contextmanager
def atomic_file(
    path: Path | str, mode: str = "wb", encoding: str | None = None, newline: str | None = None
) -> Iterator[IO[Any]]:
    """The one atomic file writer: a temp file beside `path`, moved over it only when the block succeeds.

    Readers never see half a file; on error the temp file is removed and `path` stays as it was.
    A target that is not a regular file is refused before anything is written (`OutputError`).
    """
    path = check_output(path)
    _make_parent(path)
    fd, tmp = mkstemp_shared(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            yield fh
        check_output(path)  # replaced by something else meanwhile: still not ours to replace
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(target: Path | str) -> Iterator[Path]:
    """Yield a fresh temp directory beside `target`; on success it replaces `target` as a whole.

    On error the temp directory is removed and an existing `target` stays as it was. A target that
    is not a real folder (a file, a symlink) is refused (`OutputError`).
    """
    target = check_output(target, directory=True)
    _make_parent(target)
    tmp = Path(mkdtemp_shared(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        share_tree(tmp)  # the user's umask for everything inside, whoever wrote it
        check_output(target, directory=True)
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


def file_sha256(path: Path, limit: int | None = None) -> str:
    """Content hash of a file (streamed), used to tell whether a stage's input changed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:limit] if limit else h.hexdigest()
