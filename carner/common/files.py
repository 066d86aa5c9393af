"""Temp files and folders that end up as outputs get the user's umask, not `tempfile`'s owner-only mode.

Why: every stage writes through a temp file (or folder) and `os.replace`, so readers never see half
a file. `tempfile.mkstemp`/`mkdtemp` create 0600/0700 on purpose (they are meant to stay private), and
the rename keeps that mode: model directories, `batch.jsonl` and `report.json` came out unreadable to
a serving container or doccano running as another user. These wrappers give the mode `open()` and
`mkdir()` would have given (0644/0755 under the usual umask 022). Lives in `carner.common`, the lowest layer,
so that every layer can use it.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any


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
