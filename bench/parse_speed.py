"""Parsing throughput of `scraper.parse` (BeautifulSoup on lxml): pages/s for search and item pages.

Measures the real saved eBay pages in ../shared/data/ebay-html (when present) and sandbox pages
rendered in eBay's markup (always), each for at least `--seconds`, and prints a Markdown table.

    .venv/bin/python bench/parse_speed.py [--seconds 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from carner.scraper.parse import parse_description, parse_item_page, parse_search_results

EBAY_HTML = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ebay-html"
REAL_PAGES = [
    ("search", "real s-card (ebay.co.uk 2025)", "srp_ebay-co-uk_blu-ray_2025_scard.html"),
    ("search", "real s-item (ebay.co.uk 2021)", "srp_ebay-co-uk_warhammer_2021_sitem.html"),
    ("item", "real item, French (ebay.com 2025)", "item_226771798286_rtx5090_2025.html"),
    ("item", "real item, German (ebay.de 2026)", "item_198187151691_lego_ebay-de_2026.html"),
]


def sandbox_pages() -> list[tuple[str, str, str]]:
    from carner.scraper.sandbox import render
    from carner.scraper.sandbox.generator import generate_listings

    listings = generate_listings(60, seed=0)
    base = "http://127.0.0.1:8765"
    pages = []
    for layout in render.LAYOUTS:
        html = render.search_page(
            listings, base_url=base, query="cars", page=1, total=600, page_size=60, layout=layout
        )
        pages.append(("search", f"sandbox {layout}, 60 listings", html))
    pages.append(("item", "sandbox item page", render.item_page(listings[0], base_url=base)))
    pages.append(("description", "sandbox description", render.description_page(listings[0])))
    return pages


def measure(func: Callable[[str], Any], html: str, seconds: float) -> tuple[float, int]:
    """Pages per second over at least `seconds` (and at least 3 calls)."""
    func(html)  # warm-up
    calls, started = 0, time.perf_counter()
    while True:
        func(html)
        calls += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and calls >= 3:
            return calls / elapsed, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="Minimum measuring time per page.")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a Markdown table.")
    args = parser.parse_args()

    pages: list[tuple[str, str, str]] = []
    for kind, name, file in REAL_PAGES:
        path = EBAY_HTML / file
        if path.exists():
            pages.append((kind, name, path.read_text(encoding="utf-8")))
    pages += sandbox_pages()

    funcs: dict[str, Callable[[str], Any]] = {
        "search": parse_search_results,
        "item": parse_item_page,
        "description": parse_description,
    }
    rows = []
    for kind, name, html in pages:
        per_s, calls = measure(funcs[kind], html, args.seconds)
        result = funcs[kind](html)
        listings = len(result.hits) if kind == "search" else None
        rows.append(
            {
                "kind": kind,
                "page": name,
                "kb": round(len(html.encode()) / 1024),
                "pages_per_s": round(per_s, 1),
                "ms_per_page": round(1000 / per_s, 2),
                "listings_per_s": round(per_s * listings, 1) if listings else None,
                "calls": calls,
            }
        )
    if args.json:
        print(json.dumps({"machine": platform.platform(), "rows": rows}, indent=2))
        return
    print(f"Parsing throughput, bs4 + lxml, one core ({platform.processor() or platform.machine()})\n")
    print("| kind | page | KB | pages/s | ms/page | listings/s |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        listings = r["listings_per_s"] if r["listings_per_s"] is not None else "—"
        cells = [r["kind"], r["page"], r["kb"], r["pages_per_s"], r["ms_per_page"], listings]
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
