"""Small file helpers shared by the teacher, augmentation, labelling and student stages.

Why: every stage promises that nothing already stored is half written. Files go through a temp file
and `os.replace`; model directories are built beside their target and swapped in at the end.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from carner.common.files import atomic_dir, atomic_file

__all__ = ["atomic_dir", "atomic_file", "atomic_write_bytes", "atomic_write_text", "write_json_atomic"]


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
