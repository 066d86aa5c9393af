"""Content-addressed store of fetched pages: gzip files named by the SHA-256 of the raw bytes.

Keeping every page lets `carner reparse` rebuild listings after a parser fix without the network.
Files are written to a temporary name and `os.replace`d, so a kill never leaves a half-written page;
identical pages (same hash) are stored once.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from carner.common.files import atomic_file


@dataclass(frozen=True)
class StoredPage:
    content_hash: str
    path: str  # relative to the store root
    size: int  # uncompressed bytes


class RawStore:
    """`put(bytes)` → StoredPage; `get(path)` → bytes. Paths are relative so the directory can move."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @staticmethod
    def relative_path(content_hash: str) -> str:
        return f"{content_hash[:2]}/{content_hash}.html.gz"

    def put(self, content: bytes) -> StoredPage:
        content_hash = hashlib.sha256(content).hexdigest()
        rel = self.relative_path(content_hash)
        target = self.root / rel
        if not target.exists():
            with atomic_file(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.write(content)
        return StoredPage(content_hash=content_hash, path=rel, size=len(content))

    def get(self, path: str, expected_hash: str | None = None) -> bytes:
        """The page's bytes; raises `ValueError` naming the file when it is unreadable or altered."""
        file = self.root / path
        try:
            content = gzip.decompress(file.read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ValueError(f"{file}: unreadable raw page ({exc})") from exc
        if expected_hash and hashlib.sha256(content).hexdigest() != expected_hash:
            raise ValueError(f"{file}: content does not match its hash {expected_hash[:12]}")
        return content
