"""Measures that compare generated titles with real eBay Motors titles.

Lab code: `bench/sandbox_realism.py` prints them; the sandbox generator's tests hold it to them.

The real reference is ../shared/data/car-titles/ebay_motors_sedans_info.csv (column "Car Model").
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from carner.scraper.sandbox import catalogue as cat

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


# --------------------------------------------------------------------------- the sellers' forms
# How often real titles carry each form decides how often the generator writes it
# (`bench/sandbox_realism.py` prints both side by side). Detectors read the whole title, or only the
# seller's part after "Make Model" where the form belongs there.

_BODY_WORD = r"(?:sedan|coupe|coupé|wagon|hatchback|convertible|saloon|hardtop|cabriolet|roadster)"
_DOORS = r"(?:[2-5]\s?-?d(?:r|oor)?|(?:two|four|2|4)[\s-]door)"
_SELLER_NOISE = re.compile(
    r"\b(?:no reserve|clean (?:carfax|car fax|title)|one owner|1[- ]owner|\d owners|low miles|low mileage|"
    r"rare|must see|warranty|financing|shipping|loaded|stunning|pristine|gorgeous|garage kept|"
    r"just serviced|new tires|best deal|firm|msrp|california|florida|original|survivor|restored|"
    r"runs great|excellent|well maintained|obo|custom|tuned)\b",
    re.IGNORECASE,
)

# name -> (what it is, where it is looked for: "title" or "rest" (after make and model), pattern)
FORMS: dict[str, tuple[str, str, re.Pattern[str]]] = {
    "body word": ("a body word (Sedan, Coupe, Wagon, ...)", "rest", re.compile(rf"\b{_BODY_WORD}\b", re.I)),
    "body + doors": (
        "a door count next to a body word, or alone (4dr Sedan, Sedan 4D, 2 Door Sedan, two door)",
        "rest",
        re.compile(
            rf"\b{_DOORS}\s+{_BODY_WORD}\b|\b{_BODY_WORD}\s+{_DOORS}\b|\b(?:two|four|2|4)[\s-]door\b", re.I
        ),
    ),
    "maker badge": (
        "a maker's drivetrain/performance badge (xDrive, 4MATIC, quattro, AMG, M Sport, SH-AWD)",
        "rest",
        re.compile(r"\b(?:[xs]Drive\w*|4MATIC\+?|4M|quattro|AMG|M[- ]Sport|SH-AWD|4Motion|xi)(?:\b|®)", re.I),
    ),
    "chassis code": (
        "a chassis code (W126, E46, F30)",
        "rest",
        re.compile(r"\b(?:W\d{3}|E[2-9]\d|F[0-9]\d)\b(?! ?AMG)"),
    ),
    "family + number": (
        "a letter family and a number as the trim (ES 350, S 580, C 240, LS500, IS250)",
        "rest",
        re.compile(r"^(?:[A-Z]{1,3}) ?\d{2,3}[hdei]?\b"),
    ),
    "model repeated": (
        "the model's name again in the trim slot (LS LS500, A4 A4)",
        "special",
        re.compile(""),
    ),
    "stops at model": ("nothing after 'Make Model' (or 'Make: Model')", "special", re.compile("")),
    "trim in capitals": (
        "the first word after the model in capitals (LIMITED, PREMIUM)",
        "rest",
        re.compile(r"^[A-Z]{3,}\b(?![a-z])"),
    ),  # fmt: skip
    "engine": (
        "an engine written out (5.7L V8, V6, 2.0T, 352ci, Supercharged, HEMI)",
        "rest",
        re.compile(
            r"\b(?:\d\.\d\s?L|[VW](?:6|8|10|12)|\d\.\dT|\d{3}\s?ci|[iI][46]|\d[- ]?cyl\w*|HEMI|"
            r"Supercharged|Twin[- ]Turbo|Turbo(?:charged)?)\b",
            re.I,
        ),  # fmt: skip
    ),
    "mileage": (
        "a mileage (62k mi, 12,500 Original Miles, 6200 MILES)",
        "rest",
        re.compile(
            r"(?<![$\d,.])\b\d[\d,.]*\s?[kK]?\s?(?:original |actual )?(?:miles|mi)\b"
            r"|(?<![$\d])\b\d+\s?[kK]s?\b(?! ?MSRP)",
            re.I,
        ),
    ),
    "drivetrain": ("AWD, 4WD, FWD, RWD, 4x4", "rest", re.compile(r"\b(?:AWD|4WD|FWD|RWD|4x4)\b", re.I)),
    "transmission": (
        "a gearbox (6MT, 5-Speed, Manual, Automatic)",
        "rest",
        re.compile(r"\b(?:\dMT|\d-?speed|\d-?spd|manual|automatic|auto|stick)\b", re.I),
    ),  # fmt: skip
    "fuel": (
        "a fuel (Hybrid, Diesel, Electric, EV, BlueTEC, TDI)",
        "rest",
        re.compile(r"\b(?:hybrid|diesel|electric|EV|BlueTEC|TDI|E85)\b", re.I),
    ),  # fmt: skip
    "colour": (
        "a paint colour",
        "rest",
        re.compile(
            r"\b(?:black|white|silver|gr[ae]y|red|blue|green|gold|beige|brown|burgundy|maroon|yellow|orange|"
            r"tan|champagne|pearl|metallic)\b",
            re.I,
        ),
    ),  # fmt: skip
    "seller noise": (
        "a seller remark (NO RESERVE, CLEAN CARFAX, ONE OWNER, RARE, LOADED)",
        "rest",
        _SELLER_NOISE,
    ),
    "separator": ("a separator between phrases ( - , ~, *, |, /)", "rest", re.compile(r" - |~|\*|\||/ |, ")),
    "exclamation": ("!", "title", re.compile(r"!")),
}


def model_split(title: str) -> tuple[str | None, str, str]:
    """(make, model surface, rest after the model) the catalogue reads at the start of a real title."""
    make, model, rest = make_model_of(title)
    if make is None:
        return None, "", rest
    if model is None:
        return make, "", rest
    variants = [(model, v) for v in cat.model_variants(make, model)]
    found = _longest_prefix(rest, variants)
    surface = found[1] if found else ""
    return make, rest[: len(surface)], rest[len(surface) :].strip()


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def title_forms(title: str) -> set[str]:
    """The FORMS one title carries."""
    make, model, rest = model_split(title)
    found = set()
    for name, (_, where, pattern) in FORMS.items():
        if where == "special":
            continue
        text = title if where == "title" else rest
        if text and pattern.search(text):
            found.add(name)
    if make and model and not rest:
        found.add("stops at model")
    if make and model and rest:
        squashed_model = _squash(model)
        first = _squash(" ".join(rest.split()[: max(1, len(model.split()))]))
        if len(squashed_model) >= 2 and first.startswith(squashed_model):
            found.add("model repeated")
    return found


def form_frequencies(titles: Sequence[str]) -> dict[str, float]:
    """Share of `titles` carrying each form of FORMS (in FORMS' order)."""
    counts: Counter[str] = Counter()
    for title in titles:
        counts.update(title_forms(title))
    return {name: counts.get(name, 0) / max(1, len(titles)) for name in FORMS}
