"""Small file helpers shared by the teacher, augmentation, labelling and student stages.

Why: every stage promises that nothing already stored is half written. Files go through a temp file
and `os.replace`; model directories are built beside their target and swapped in at the end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from carner.common.files import (  # noqa: F401 - the one atomic writer and file hash, re-exported here
    atomic_dir,
    atomic_file,
    atomic_write_bytes,
    atomic_write_text,
    file_sha256,
    write_json_atomic,
)


def read_json(path: Path) -> Any:
    """Read a JSON file, naming the file in the error when it is not valid JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc


def dir_size(path: Path) -> int:
    """Bytes on disk of every file under `path` (a model's size as the report counts it)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
