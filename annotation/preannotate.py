"""Distant supervision: find a listing's item-specific values in its text and label them.

eBay's item specifics (Make, Model, Year, ...) say what the car is; where their values occur in the
title, those words are the entities. Matching is case-insensitive, diacritic-insensitive
("Citroen" = "Citroën"), word-boundary aware, tolerant to separators ("F150" = "F-150",
"3-Series" = "3 Series") and to the nicknames in `annotation.variants`; mileage is matched by value
("45k miles", "45,000 mi"). Overlaps are resolved longest first, so "Mercedes-Benz" beats "Benz".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from carner.annotation.labels import DEFAULT_SCHEMA, LabelSchema, Span
from carner.annotation.variants import (
    CHARACTERISTIC_ALIASES,
    EXTENSIONS,
    MAKE_ALIASES,
    MODEL_ALIASES,
    SELF_EVIDENT,
)

EMPTY_VALUES = frozenset(
    {"", "-", "--", "n/a", "na", "none", "does not apply", "not specified", "unknown", "other", "other makes"}
)
"""Placeholder values (eBay's "Other" model, "Other Makes") that name nothing in the text."""

_CHUNK_RE = re.compile(r"[^\W\d_]+|\d+|[^\w\s-]", re.UNICODE)
_NUMBER_RE = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:[,.\u202f ]\d{3})+|\d+(?:\.\d+)?)(?:\s?(?P<k>k(?![a-z])|tkm\b))?"
    r"(?:\s(?:original|actual|orig\.|org\.)\s?)?"
    r"(?:\s?(?P<unit>miles|mile|mi|kms|km|kilometers|kilometres)\b\.?)?",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Strip diacritics one character at a time, so offsets in the folded text equal the original's."""
    out = []
    for ch in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


@lru_cache(maxsize=8192)
def variant_pattern(variant: str, label: str = "") -> re.Pattern[str] | None:
    """Regex for one surface form: chunks joined by optional space/hyphen, whole words only.

    The label's `EXTENSIONS` may widen it ("Sedan" also matches "4dr Sedan" and "Sedan 4D").
    """
    chunks = _CHUNK_RE.findall(fold(variant))
    if not chunks:
        return None
    body = ""
    for i, chunk in enumerate(chunks):
        if i:
            body += r"[\s\-]*" if chunk[0].isalnum() and chunks[i - 1][-1].isalnum() else r"\s*"
        body += re.escape(chunk)
    prefix, suffix = EXTENSIONS.get(label, ("", ""))
    return re.compile(rf"(?<!\w){prefix}{body}{suffix}(?!\w)", re.IGNORECASE)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text.casefold() in EMPTY_VALUES else text


def value_variants(label: str, value: str, make: str | None = None) -> list[str]:
    """Surface forms worth searching for one item-specific value."""
    key = fold(value).casefold()
    forms = [value]
    if label == "MAKE":
        forms += MAKE_ALIASES.get(key, ())
        forms += MAKE_ALIASES.get(fold(value.replace("-", " ")).casefold(), ())
    elif label == "MODEL":
        if make and key.startswith(fold(make).casefold() + " "):  # "BMW 3 Series" -> "3 Series"
            forms.append(value[len(make) + 1 :])
        forms += MODEL_ALIASES.get(key, ())
        # eBay joins related models with "/" ("Bel Air/150/210", "MKZ/Zephyr"): each named part counts.
        parts = [p.strip() for p in value.split("/")] if "/" in value else [value]
        forms += [p for p in parts if p != value and any(c.isalpha() for c in p)]
        for part in parts:
            words = part.split()
            # "Silverado 1500" written "Silverado": drop trailing numeric words while a name stays.
            while len(words) > 1 and any(c.isdigit() for c in words[-1]):
                words = words[:-1]
                if len(words[0]) >= 3 and not any(c.isdigit() for c in " ".join(words)):
                    forms.append(" ".join(words))
    elif label == "ENGINE":
        forms = list(CHARACTERISTIC_ALIASES["ENGINE"].get(key, ())) or engine_variants(value)
    else:
        forms += CHARACTERISTIC_ALIASES.get(label, {}).get(key, ())
    seen: dict[str, None] = {}
    for form in forms:
        seen.setdefault(form, None)
    return list(seen)


_ENGINE_RE = re.compile(r"^(?P<disp>\d+(?:\.\d+)?)\s?L\s+(?P<cyl>[IVHW]\d{1,2})\b", re.IGNORECASE)


def engine_variants(value: str) -> list[str]:
    """How an eBay engine value ("3.5L V6 Turbo") is written: "3.5L V6", "3.5L", "3.5 Liter", "V6", ..."""
    forms = [value]
    m = _ENGINE_RE.match(value)
    if m:
        disp, cyl = m.group("disp"), m.group("cyl").upper()
        count = cyl[1:]
        forms += [
            f"{disp}L {cyl}",
            f"{disp} {cyl}",
            f"{disp} Liter {cyl}",
            f"{disp}L",
            f"{disp} Liter",
            cyl,
            f"{count}-Cylinder",
            f"{count} cyl",
        ]
        # no bare "5.2": right after the model it is eBay's Trim ("2012 Nissan Sentra 2.0"), as the
        # annotation guidelines read it
    return forms


def _parse_number(raw: str) -> float | None:
    digits = re.sub(r"[,.\u202f ](?=\d{3}\b)", "", raw)
    try:
        return float(digits)
    except ValueError:
        return None


def _mileage_ok(m: re.Match[str], target: float | None) -> bool:
    number = _parse_number(m.group("num"))
    if number is None:
        return False
    if target is None:
        ok = bool(m.group("unit"))
    elif m.group("k"):
        ok = abs(number * 1000 - target) < 1000  # "45k" for 45,321 (rounded or truncated)
    else:  # exact, or rounded to thousands ("70,000 miles" for 70,072)
        ok = number == target or (number >= 1000 and number % 1000 == 0 and abs(number - target) < 1000)
    return ok and bool(m.group("k") or m.group("unit") or number >= 1000)


def mileage_matches(text: str, value: str | None) -> list[tuple[int, int]]:
    """Where the mileage `value` is written in `text`: "45,000 miles", "45000 mi", "45k", "45K km".

    Without a value (the seller left the specific out) only a number with a distance unit counts:
    "61,751 MILES" says what it is by itself.
    """
    target = None
    if value is not None:
        match = re.search(r"\d[\d,.\u202f ]*", value)
        target = _parse_number(match.group().strip(" ,.")) if match else None
        if target is None or target <= 0:
            return []
    found = []
    pos = 0
    while (m := _NUMBER_RE.search(text, pos)) is not None:
        if _mileage_ok(m, target):
            found.append((m.start(), m.end()))
            pos = m.end()
        elif " " in m.group("num"):  # "Golf 7 150 km": the space grouping may have swallowed a model number
            pos = m.start() + m.group("num").index(" ") + 1
        else:
            pos = m.end() if m.end() > m.start() else m.start() + 1
    return found


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    label: str
    rank: int


def resolve_overlaps(candidates: Iterable[_Candidate]) -> list[Span]:
    """Longest match first (ties: schema order, then leftmost); drop anything overlapping a kept span."""
    kept: list[_Candidate] = []
    for cand in sorted(candidates, key=lambda c: (-(c.end - c.start), c.rank, c.start)):
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    return sorted((c.start, c.end, c.label) for c in kept)


def preannotate(text: str, specifics: Mapping[str, Any], schema: LabelSchema = DEFAULT_SCHEMA) -> list[Span]:
    """Spans `(start, end, label)` in `text` for the item-specific values found there, no overlaps."""
    if not text:
        return []
    folded = fold(text)
    order = {label: i for i, label in enumerate(schema.labels)}
    make = next((_clean(v) for k, v in specifics.items() if schema.label_for(k) == "MAKE"), None)
    candidates: list[_Candidate] = []
    if "MILEAGE" in order and not any(
        schema.label_for(k) == "MILEAGE" and _clean(v) for k, v in specifics.items()
    ):
        candidates += [_Candidate(s, e, "MILEAGE", order["MILEAGE"]) for s, e in mileage_matches(text, None)]
    given = {schema.label_for(k) for k, v in specifics.items() if _clean(v) is not None}
    for label, values in SELF_EVIDENT.items():
        if label in order and label not in given:
            for value in values:
                pattern = variant_pattern(value, label)
                if pattern is not None:
                    candidates += [
                        _Candidate(m.start(), m.end(), label, order[label]) for m in pattern.finditer(folded)
                    ]
    for name, raw_value in specifics.items():
        label = schema.label_for(name)
        values = raw_value if isinstance(raw_value, list) else [raw_value]
        if label is None:
            continue
        for raw in values:
            value = _clean(raw)
            if value is None:
                continue
            rank = order.get(label, len(order))
            if label == "MILEAGE":
                candidates += [_Candidate(s, e, label, rank) for s, e in mileage_matches(text, value)]
                continue
            for variant in value_variants(label, value, make):
                pattern = variant_pattern(variant, label)
                if pattern is None:
                    continue
                candidates += [_Candidate(m.start(), m.end(), label, rank) for m in pattern.finditer(folded)]
    return resolve_overlaps(candidates)
