"""Parsing costs linear time on any input: one test per hostile shape, for every parser.

`'<body>' + '<script>' * 40000` once took 65 s in `parse_description` (regexes backtracking over
tags); a linear parser reads it in tens of milliseconds. The bound (2 s per shape and parser) is far
above what linear parsing takes here, and far below what the quadratic shapes cost before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from carner.scraper.parse import PageTooComplex, parse_description, parse_item_page, parse_search_results

N = 40_000
SHAPES: dict[str, str] = {
    "unclosed scripts": "<body>" + "<script>" * N,
    "unclosed styles": "<body>" + "<style>" * N,
    "unclosed comments": "<body>" + "<!--" * N,
    "unclosed templates": "<body>" + "<template>" * N,
    "unclosed noscripts": "<body>" + "<noscript>" * N,
    "closed scripts": "<body>" + "<script>x</script>" * (N // 2),
    "unclosed divs": "<body>" + "<div>" * N,
    "nested paragraphs under the DOM cap": "<body>" + "<p>word " * 14_000,
    "unterminated attribute": "<body>" + '<a href="' * N,
    "bare angle brackets": "<" * 300_000,
    "tags without a name": "<body>" + "< >" * N,
    "result rows never closed": '<ul class="srp-results">'
    + '<li class="s-item"><a href="/itm/123456789012">' * 15_000,
    "result lists never closed": '<ul class="srp-results"><li class="s-card">' * 20_000,
    "class names in text": "<body><p>" + 'class="srp-results" s-item__title x-price-primary ' * N + "</p>",
    "specifics labels never closed": '<div class="ux-layout-section-evo">'
    + '<div class="ux-labels-values__labels">' * 25_000,
    "prices never closed": '<div class="x-price-primary">' * N,
    "JSON-LD nested deep": '<script type="application/ld+json">' + "[" * 200_000 + "</script>",
    "a 2 MB description of words": "<body><div id='ds_div'>" + "word " * 400_000 + "</div>",
    "a 200 KB description of spans": "<body><div id='ds_div'>" + "<span>w</span>" * 14_000 + "</div>",
}
PARSERS: dict[str, Callable[[str], Any]] = {
    "description": parse_description,
    "item": parse_item_page,
    "search": parse_search_results,
}
BOUND_S = 2.0


@pytest.mark.parametrize("parser", sorted(PARSERS))
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_hostile_shape_parses_in_linear_time(shape: str, parser: str) -> None:
    html = SHAPES[shape]
    started = time.perf_counter()
    try:
        PARSERS[parser](html)
    except PageTooComplex:
        pass  # more tags than any real page: refused at once, which is also bounded work
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND_S, f"{parser} on {shape!r}: {elapsed:.2f} s"


def test_the_measured_shape_still_reads_the_text_around_it() -> None:
    assert parse_description("<body><div id='ds_div'>Clean title." + "<script>" * N) == "Clean title."
    assert parse_description("<body>" + "<!--" * N) is None
    assert parse_description("<body>Runs great" + "<div>" * N + " one owner") == "Runs great one owner"


def test_twice_the_input_costs_about_twice_the_time() -> None:
    """Linear, not quadratic: doubling the shape may not quadruple the time (with slack for noise)."""

    def cost(n: int) -> float:
        html = "<body><div id='ds_div'>" + "<b>x</b><i>" * n
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            parse_description(html)
            best = min(best, time.perf_counter() - started)
        return best

    small, large = cost(6_000), cost(12_000)
    assert large < small * 3.2, (small, large)
