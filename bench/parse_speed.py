"""Parsing speed of `scraper.parse` against a bare `lxml.html.fromstring` of the same bytes, same run.

Every real saved eBay page in ../shared/data/ebay-html (when present) and sandbox pages in each
layout the sandbox serves: for each page the two are timed alternately (so a burst of load from
elsewhere hits both), the best time of each kept, and the ratio printed. `--check` exits 1 when a
real page takes more than `--max-ratio` times the bare lxml parse.

    .venv/bin/python bench/parse_speed.py [--seconds 1] [--check] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
from carner.scraper.parse import parse_description, parse_item_page, parse_search_results

ROOT = Path(__file__).resolve().parents[1]
EBAY_HTML = Path(os.environ.get("CARNER_SHARED_DIR") or ROOT / ".." / "shared") / "data" / "ebay-html"
PARSERS: dict[str, Callable[[bytes], Any]] = {
    "search": parse_search_results,
    "item": parse_item_page,
    "description": parse_description,
}


def real_pages() -> list[tuple[str, str, bytes]]:
    if not EBAY_HTML.is_dir():
        return []
    return [
        ("item" if path.name.startswith("item_") else "search", path.name, path.read_bytes())
        for path in sorted(EBAY_HTML.glob("*.html"))
    ]


def sandbox_pages() -> list[tuple[str, str, bytes]]:
    from carner.scraper.sandbox import render
    from carner.scraper.sandbox.generator import generate_listings

    listings = generate_listings(60, seed=0)
    base = "http://127.0.0.1:8765"
    pages = []
    for layout in (*render.LAYOUTS, *render.OLDER_LAYOUTS):
        html = render.search_page(
            listings, base_url=base, query="cars", page=1, total=600, page_size=60, layout=layout
        )
        pages.append(("search", f"sandbox search, {layout}, 60 listings", html.encode()))
    for item_layout in render.ITEM_LAYOUTS:
        html = render.item_page(listings[0], base_url=base, layout=item_layout)
        pages.append(("item", f"sandbox item, {item_layout}", html.encode()))
    pages.append(("description", "sandbox description", render.description_page(listings[0]).encode()))
    return pages


def best_of(func: Callable[[bytes], Any], data: bytes, calls: int) -> float:
    best = float("inf")
    for _ in range(calls):
        started = time.perf_counter()
        func(data)
        best = min(best, time.perf_counter() - started)
    return best


def measure(kind: str, data: bytes, seconds: float) -> tuple[float, float]:
    """Best seconds per call of (bare lxml, carner), measured alternately for at least `seconds`."""
    parse = PARSERS[kind]
    parse(data), lxml.html.fromstring(data)  # warm-up
    lxml_best = carner_best = float("inf")
    started = time.perf_counter()
    rounds = 0
    while rounds < 3 or time.perf_counter() - started < seconds:
        lxml_best = min(lxml_best, best_of(lxml.html.fromstring, data, 3))
        carner_best = min(carner_best, best_of(parse, data, 3))
        rounds += 1
    return lxml_best, carner_best


def found(kind: str, data: bytes) -> str:
    result = PARSERS[kind](data)
    if kind == "search":
        return f"{len(result.hits)} hits" if not result.blocked else "blocked"
    if kind == "item":
        return f"{len(result.specifics)} specifics"
    return f"{len(result or '')} chars"


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="Minimum measuring time per page.")
    parser.add_argument("--max-ratio", type=float, default=3.0, help="Allowed carner / lxml time per page.")
    parser.add_argument("--check", action="store_true", help="Exit 1 when a real page is over --max-ratio.")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a Markdown table.")
    args = parser.parse_args()

    rows = []
    for source, pages in (("real", real_pages()), ("sandbox", sandbox_pages())):
        for kind, name, data in pages:
            lxml_s, carner_s = measure(kind, data, args.seconds)
            rows.append(
                {
                    "source": source, "kind": kind, "page": name, "kb": round(len(data) / 1024),
                    "lxml_ms": round(lxml_s * 1000, 3), "carner_ms": round(carner_s * 1000, 3),
                    "ratio": round(carner_s / lxml_s, 2), "found": found(kind, data),
                }
            )  # fmt: skip
    over = [r for r in rows if r["source"] == "real" and r["ratio"] > args.max_ratio]
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "commit": commit(),
    }
    if args.json:
        print(json.dumps({**meta, "rows": rows, "over_max_ratio": over}, indent=2))
    else:
        print(f"{meta['date']} · {meta['machine']} · commit {meta['commit']}\n")
        print("| source | kind | page | KB | bare lxml ms | carner ms | carner / lxml | found |")
        print("|---|---|---|---:|---:|---:|---:|---|")
        for r in rows:
            cells = [
                r["source"],
                r["kind"],
                r["page"],
                r["kb"],
                r["lxml_ms"],
                r["carner_ms"],
                r["ratio"],
                r["found"],
            ]
            print("| " + " | ".join(str(c) for c in cells) + " |")
        worst = max((r["ratio"] for r in rows if r["source"] == "real"), default=None)
        if worst is not None:
            print(f"\nworst real page: {worst:.2f}x bare lxml (limit {args.max_ratio:g}x)")
    if args.check and over:
        sys.exit(1)


if __name__ == "__main__":
    main()
