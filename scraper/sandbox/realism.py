"""Measures that compare generated titles with real eBay Motors titles (used by bench/ and tests).

The real reference is ../shared/data/car-titles/ebay_motors_sedans_info.csv (column "Car Model").
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from scraper.sandbox import catalogue as cat

_YEAR_RE = re.compile(r"^(19|20)\d\d\b")
_STRUCTURED_RE = re.compile(r"^[A-Za-z][A-Za-z\- ]*: ")


def read_real_titles(csv_path: Path) -> list[str]:
    """Titles of the real eBay Motors CSV, stripped."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        return [row["Car Model"].strip() for row in csv.DictReader(fh) if row.get("Car Model", "").strip()]


def title_form(title: str) -> str:
    """ "year" ("YYYY Make Model ..."), "structured" ("Make: Model ...") or "other"."""
    if _YEAR_RE.match(title):
        return "year"
    if _STRUCTURED_RE.match(title):
        return "structured"
    return "other"


def form_shares(titles: Sequence[str]) -> dict[str, float]:
    counts = Counter(title_form(t) for t in titles)
    return {form: counts.get(form, 0) / max(1, len(titles)) for form in ("year", "structured", "other")}


def mean_words(titles: Sequence[str]) -> float:
    return sum(len(t.split()) for t in titles) / max(1, len(titles))


def upper_word_share(titles: Sequence[str]) -> float:
    """Share of titles with an all-capitals word of 4+ letters (seller shouting: "CLEAN", "PREMIUM")."""
    shout = re.compile(r"\b[A-Z]{4,}\b")
    return sum(bool(shout.search(t)) for t in titles) / max(1, len(titles))


def _longest_prefix(text: str, candidates: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """(canonical, surface) of the longest surface that `text` starts with, on a word boundary."""
    best: tuple[str, str] | None = None
    folded = text.casefold()
    for canonical, surface in candidates:
        s = surface.casefold()
        if folded.startswith(s) and (len(folded) == len(s) or not folded[len(s)].isalnum()):
            if best is None or len(surface) > len(best[1]):
                best = (canonical, surface)
    return best


def _make_candidates() -> list[tuple[str, str]]:
    return [(make, s) for make in cat.MAKES for s in cat.make_surfaces(make)]


def make_model_of(title: str) -> tuple[str | None, str | None, str]:
    """(make, model, rest-after-make) the catalogue recognises at the start of a real title.

    The make is the text before ':' (structured form) or the words after the year; the model is the
    longest catalogue model (or variant) of that make that follows. None where not recognised.
    """
    form = title_form(title)
    if form == "structured":
        make_text, _, rest = title.partition(":")
        found = _longest_prefix(make_text.strip(), _make_candidates())
        make = found[0] if found and len(found[1]) == len(make_text.strip()) else None
    elif form == "year":
        rest = title[4:].lstrip()
        found = _longest_prefix(rest, _make_candidates())
        make = found[0] if found else None
        rest = rest[len(found[1]) :] if found else rest
    else:
        return None, None, title
    rest = rest.strip()
    if make is None:
        return None, None, rest
    models = [(m.name, v) for m in cat.CATALOGUE[make] for v in cat.model_variants(make, m.name)]
    found_model = _longest_prefix(rest, models)
    return make, (found_model[0] if found_model else None), rest


def coverage(titles: Sequence[str]) -> dict[str, float]:
    """Share of titles whose make, and whose (make, model), the catalogue knows.

    Titles naming eBay's "Other" model or "Other Makes" are left out of the model share: there is no
    model name to know.
    """
    with_make = with_pair = model_titles = 0
    for title in titles:
        make, model, rest = make_model_of(title)
        if title.startswith("Other Makes") or title_form(title) == "other":
            continue
        if make:
            with_make += 1
        if rest.casefold().startswith("other"):
            continue
        model_titles += 1
        if make and model:
            with_pair += 1
    considered = sum(1 for t in titles if title_form(t) != "other" and not t.startswith("Other Makes"))
    return {
        "make": with_make / max(1, considered),
        "make_model": with_pair / max(1, model_titles),
    }


def unknown_pairs(titles: Sequence[str]) -> Counter[str]:
    """The real titles' make/model starts the catalogue misses (to grow it)."""
    missing: Counter[str] = Counter()
    for title in titles:
        make, model, rest = make_model_of(title)
        if (
            title_form(title) == "other"
            or title.startswith("Other Makes")
            or rest.casefold().startswith("other")
        ):
            continue
        if not (make and model):
            missing[f"{make or '?'} | {' '.join(rest.split()[:2])}"] += 1
    return missing
