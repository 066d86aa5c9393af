"""Layout drift: a census of which markup each parsed page matched and which fields came out empty.

eBay changes its markup without notice; a parser that silently returns "0 specifics" then fills
the database with empty listings for weeks. Every parsed page records its layout path and its empty
fields (`scraper.parse`); a crawl and `carner reparse` feed them to a `LayoutCensus`, which warns,
distinctly, when a page matched no known layout, or when a field is empty on a share of pages far
above its usual rate (`DriftConfig`).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from carner.scraper.parse import ITEM_FIELDS, UNKNOWN_LAYOUT, ParsedListing, SearchResults


def _usual_empty() -> dict[str, float]:
    # Share of real pages where the field is legitimately empty (measured on the saved eBay pages and
    # the sandbox: a listing without location or condition exists; a page without a title does not).
    return {
        "title": 0.0, "price": 0.05, "currency": 0.1, "condition": 0.2, "location": 0.3,
        "specifics": 0.1, "description_url": 0.3, "hits": 0.1,
    }  # fmt: skip


@dataclass(frozen=True)
class DriftConfig:
    """When a field's empty share counts as a surge: above `usual + margin`, over `min_pages` pages."""

    usual_empty: dict[str, float] = field(default_factory=_usual_empty)
    margin: float = 0.3
    min_pages: int = 5
    examples: int = 3  # URLs named per unknown layout warning


@dataclass
class LayoutCensus:
    """Counts per page kind ("item", "search"): pages, layouts matched, fields empty. Thread-safe."""

    config: DriftConfig = field(default_factory=DriftConfig)
    pages: Counter[str] = field(default_factory=Counter)
    layouts: Counter[str] = field(default_factory=Counter)
    empty: Counter[str] = field(default_factory=Counter)  # "kind:field"
    unknown_urls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _add(self, kind: str, layout: str, empty: tuple[str, ...], url: str | None) -> None:
        with self._lock:
            self.pages[kind] += 1
            self.layouts[f"{kind}:{layout}"] += 1
            for name in empty:
                self.empty[f"{kind}:{name}"] += 1
            if layout == UNKNOWN_LAYOUT and url and len(self.unknown_urls) < self.config.examples:
                self.unknown_urls.append(url)

    def add_item(self, parsed: ParsedListing, url: str | None = None) -> None:
        self._add("item", parsed.layout, parsed.empty_fields, url or parsed.url)

    def add_search(self, results: SearchResults, url: str | None = None) -> None:
        if not results.blocked:
            self._add("search", results.layout, results.empty_fields, url)

    def warnings(self) -> list[str]:
        """One line per problem: "unknown layout: ..." and "field-empty surge: ..."."""
        out: list[str] = []
        for kind in sorted(self.pages):
            unknown = self.layouts.get(f"{kind}:{UNKNOWN_LAYOUT}", 0)
            if unknown:
                where = f" (e.g. {', '.join(self.unknown_urls)})" if self.unknown_urls else ""
                out.append(
                    f"unknown layout: {unknown} of {self.pages[kind]} {kind} page(s) matched no known eBay "
                    f"markup{where}; the parser needs updating"
                )
        for kind in sorted(self.pages):
            total = self.pages[kind]
            if total < self.config.min_pages:
                continue
            names = ITEM_FIELDS if kind == "item" else ("hits", "price", "currency")
            for name in names:
                count = self.empty.get(f"{kind}:{name}", 0)
                usual = self.config.usual_empty.get(name, 0.0)
                if count and count / total > usual + self.config.margin:
                    out.append(
                        f"field-empty surge: {name!r} empty on {count} of {total} {kind} page(s) "
                        f"({count / total:.0%}, usually at most {usual:.0%}); eBay's markup may have changed"
                    )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": dict(self.pages),
            "layouts": dict(sorted(self.layouts.items())),
            "empty_fields": dict(sorted(self.empty.items())),
        }

    def table(self) -> list[str]:
        """The census as Markdown-ish lines: layouts per kind with their share, then empty fields."""
        lines = ["| kind | layout | pages | share |", "|---|---|---:|---:|"]
        for key, count in sorted(self.layouts.items(), key=lambda kv: (kv[0].split(":", 1)[0], -kv[1])):
            kind, layout = key.split(":", 1)
            lines.append(f"| {kind} | {layout} | {count} | {count / self.pages[kind]:.0%} |")
        if self.empty:
            lines += ["", "| kind | empty field | pages | share |", "|---|---|---:|---:|"]
            for key, count in sorted(self.empty.items()):
                kind, name = key.split(":", 1)
                lines.append(f"| {kind} | {name} | {count} | {count / self.pages[kind]:.0%} |")
        return lines
