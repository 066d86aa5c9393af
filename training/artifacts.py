"""Small file helpers shared by the teacher, augmentation, labelling and student stages.

Why: every stage promises that nothing already stored is half written. Files go through a temp file
and `os.replace`; model directories are built beside their target and swapped in at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from carner.common.files import mkdtemp_shared, mkstemp_shared, share_tree


@contextlib.contextmanager
def atomic_file(path: Path | str, mode: str = "wb", encoding: str | None = None) -> Iterator[IO[Any]]:
    """The one atomic writer: a temp file beside `path`, moved over it only when the block succeeds.

    Readers never see half a file; on error the temp file is removed and `path` stays as it was.
    Streaming writers (augmented JSONL, label chunks) and whole-file writers use it alike.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = mkstemp_shared(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as fh:
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


def read_json(path: Path) -> Any:
    """Read a JSON file, naming the file in the error when it is not valid JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc


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


def dir_size(path: Path) -> int:
    """Bytes on disk of every file under `path` (a model's size as the report counts it)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
