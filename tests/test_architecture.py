"""Imports run only downward through the rooms of docs/architecture.md, and the product never
imports the lab (bench/). Read from the source with `ast`: nothing is imported or run."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Rooms from the top floor down; a room may import itself and any room after it.
FLOORS: list[tuple[str, ...]] = [
    ("cli", "api"),
    ("serve",),
    ("flows",),
    ("training",),
    ("annotation",),
    ("scraper",),
    ("db",),
    ("common",),
]
FOLDERS = {
    "carner/cli": "cli",
    "carner/serve": "serve",
    "carner/common": "common",
    "carner/api.py": "api",
    "carner/__init__.py": "api",
    "carner/__main__.py": "cli",
    "flows": "flows",
    "training": "training",
    "annotation": "annotation",
    "scraper": "scraper",
    "db": "db",
}


def _floor(room: str) -> int:
    return next(i for i, rooms in enumerate(FLOORS) if room in rooms)


def _room_of_module(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] == "bench":
        return "bench"
    if parts[0] != "carner":
        return None
    if len(parts) == 1:
        return "api"
    return parts[1] if any(parts[1] in rooms for rooms in FLOORS) else None


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
    return out


def test_every_import_runs_downward_and_none_reaches_the_lab() -> None:
    wrong = []
    checked = 0
    for folder, room in FOLDERS.items():
        base = ROOT / folder
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for path in files:
            for line, module in _imports(path):
                target = _room_of_module(module)
                if target is None or target == room:
                    continue
                checked += 1
                if target == "bench" or _floor(target) < _floor(room):
                    wrong.append(f"{path.relative_to(ROOT)}:{line}: {room} imports {module}")
    assert checked > 50  # the walk really saw the product's imports
    assert not wrong, "\n".join(wrong)
