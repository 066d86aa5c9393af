"""Where the real saved eBay pages are: `../shared/data/ebay-html` beside the checkout.

A checkout elsewhere (a git worktree, CI) points at them with `CARNER_SHARED_DIR`; tests skip
cleanly when neither exists.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CARNER_SHARED_DIR") or REPO / ".." / "shared")
EBAY_HTML = SHARED / "data" / "ebay-html"


def real_path(name: str) -> Path:
    path = EBAY_HTML / name
    if not path.exists():
        pytest.skip(f"{path} not available (../shared absent)")
    return path


def real_page(name: str) -> str:
    return real_path(name).read_text(encoding="utf-8")


def real_names(prefix: str = "") -> list[str]:
    """Names of the saved pages (empty when ../shared is absent: parametrised tests then skip)."""
    if not EBAY_HTML.is_dir():
        return []
    return sorted(p.name for p in EBAY_HTML.glob(f"{prefix}*.html"))
