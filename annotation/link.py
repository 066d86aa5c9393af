"""Linking: turn a title's spans into one record shaped like eBay's item specifics.

Spans say where the seller wrote the make or the model; a user wants the car: "Chevy" is Chevrolet,
"Merc" Mercedes-Benz, "5-Series 528i" a BMW 5-Series with trim 528i, checked against what exists
(vPIC knows a 2005 Impala; no 2012 Karma EcoSport was ever sold). The record carries eBay's field
names ("Make", "Model", "Year", "Trim", "Body Type", ...), the vPIC ids behind the make and model,
a confidence, and `exists`: True/False where vPIC can tell, None where it cannot (years before
17-digit VINs, makes vPIC does not register).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from carner.scraper.sandbox import catalogue as ebay

from carner.common.vpic import EXTRA_MAKES, Catalogue, load, norm

# Labels whose value is read as an eBay category (others keep the seller's words).
_CATEGORY_SURFACES: dict[str, dict[str, tuple[str, ...]]] = {
    "BODY": ebay.BODY_SURFACES,
    "TRANSMISSION": {**ebay.TRANSMISSION_SURFACES, "CVT": ("CVT",)},
    "DRIVETRAIN": ebay.DRIVE_SURFACES,
    "FUEL": ebay.FUEL_SURFACES,
    "COLOR": ebay.COLOR_SURFACES,
}
# Record fields in eBay's item-specific order, with the label that fills each.
FIELDS: dict[str, str] = {
    "Year": "YEAR", "Make": "MAKE", "Model": "MODEL", "Trim": "TRIM", "Body Type": "BODY", "Engine": "ENGINE",
    "Transmission": "TRANSMISSION", "Drive Type": "DRIVETRAIN", "Fuel Type": "FUEL",
    "Exterior Color": "COLOR", "Mileage": "MILEAGE",
}  # fmt: skip
# A make a title's bare words may name has at least this many passenger model-years (vPIC + sandbox weight).
MAJOR_MAKE = 60.0
# How much a linked value is trusted, by how it was found.
HOW = {"catalogue": 1.0, "alias": 0.95, "title": 0.9, "from-model": 0.85, "as-written": 0.5}


@dataclass
class CarRecord:
    """One title's car as eBay's item specifics would list it, linked to vPIC where vPIC has it."""

    specifics: dict[str, str] = field(default_factory=dict)
    vpic_make_id: int | None = None
    vpic_model_ids: list[int] = field(default_factory=list)
    exists: bool | None = None
    confidence: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.specifics,
            "vpic": {"make_id": self.vpic_make_id, "model_ids": self.vpic_model_ids},
            "exists": self.exists,
            "confidence": round(self.confidence, 4),
            "notes": self.notes,
        }


def _category(label: str, text: str, make: str) -> str | None:
    wanted = text.casefold()
    for value, forms in _CATEGORY_SURFACES[label].items():
        if label == "BODY":
            forms = ebay.surfaces("BODY", value, make)
        if wanted == value.casefold() or any(wanted == f.casefold() for f in forms):
            return value
    if label == "DRIVETRAIN":
        for make_name, badges in ebay.MAKE_AWD_NAMES.items():
            if make_name == make and any(wanted == b.casefold() for b in badges):
                return "AWD"
    words = set(re.findall(r"[a-z]+", wanted))
    for value in _CATEGORY_SURFACES[label]:  # "4dr Sedan", "Crew Cab Pickup", "Metallic Silver"
        if value.casefold() in words:
            return value
    return None


def _mileage(text: str) -> str | None:
    m = re.search(r"(\d[\d,.]*)\s*(k)?", text, re.I)
    if not m:
        return None
    digits = m[1].replace(",", "")
    try:
        miles = float(digits) * (1000 if m[2] else 1)
    except ValueError:
        return None
    return f"{int(miles):,}"


def _make_of(cat: Catalogue, text: str) -> str | None:
    """eBay's make for a make as written: vPIC's makes and aliases, then the eBay-reading table's."""
    make = cat.make(text)
    if make:
        return make
    key = norm(text.replace("_", " "))
    for name in ebay.CATALOGUE:
        if any(norm(s) == key for s in ebay.make_surfaces(name)):
            return name
    return None


@cache
def _weights(cat: Catalogue) -> dict[str, float]:
    """How common a make is: its passenger model-years in vPIC plus the sandbox's listing weight."""
    out: dict[str, float] = {}
    for make, models in cat.by_make.items():
        out[make] = sum(m.model_years for m in models if "Passenger Car" in m.types or "MPV" in m.types)
    for make in ebay.CATALOGUE:
        out[make] = out.get(make, 0.0) + 100 * ebay.MAKE_WEIGHTS.get(make, 1.0)
    return out


def _major(cat: Catalogue, make: str) -> bool:
    """Makes a title's bare words may name: common car makes, not coachbuilders or truck bodies."""
    return _weights(cat).get(make, 0.0) >= MAJOR_MAKE or make in EXTRA_MAKES


def _pick(cat: Catalogue, makes: list[str]) -> str | None:
    """The one make a model name points to: unique, or far more common than the others."""
    ranked = sorted(makes, key=lambda m: -_weights(cat).get(m, 0.0))
    if len(ranked) == 1:
        return ranked[0]
    if ranked and _weights(cat).get(ranked[0], 0.0) >= 4 * max(_weights(cat).get(ranked[1], 0.0), 1.0):
        return ranked[0]
    return None


def _title_make(cat: Catalogue, text: str) -> str | None:
    """The make a title's own words name, for titles with no MAKE span.

    In order: a model ending in a make's name ("Range Rover" is a Land Rover); a make (multi-word
    makes first; glued: "Peugeot206"); a model of one make ("Golf IV", "A6 2.0 TDI", "E Klasse 280");
    a misspelt make ("Peugoet"); a model in two words ("C 180", "520 d")."""
    words = re.findall(r"[\w'!-]+", text.replace("_", " "))
    for i in range(len(words) - 1):  # a model ending in another make's name
        make = _make_of(cat, words[i + 1]) and _model_make(cat, f"{words[i]} {words[i + 1]}")
        if make:
            return make
    for i in range(len(words)):
        for width in (3, 2, 1):
            if i + width > len(words):
                continue
            make = _make_of(cat, " ".join(words[i : i + width]))
            if make and _major(cat, make):
                return make
        make = _fused_make(cat, words[i])
        if make:
            return make
    for word in words:
        make = _model_make(cat, word)
        if make:
            return make
    make = _fuzzy_make(cat, words)
    if make:
        return make
    for i in range(len(words) - 1):  # "C 180", "A Klasse 140", "520 d"
        make = _model_make(cat, f"{words[i]} {words[i + 1]}")
        if make:
            return make
    return None


def _fused_make(cat: Catalogue, word: str) -> str | None:
    """A make glued to what follows it: "Peugeot206", "BMW118i", "VWTiguan", "Golf4"."""
    for cut in range(2, len(word) - 1):  # every split of letters from an upper-case letter or digit
        head, rest = word[:cut], word[cut:]
        if not head.isalpha() or not (rest[0].isupper() or rest[0].isdigit()):
            continue
        make = _make_of(cat, head)
        if make and _major(cat, make):
            return make
    m = re.match(r"([A-Za-z]{3,})(\d.*)$", word)
    return _model_make(cat, m[1]) if m else None


@cache
def _major_keys(cat: Catalogue) -> dict[str, str]:
    names = {n for n in cat.make_ids if _major(cat, n)} | set(EXTRA_MAKES) | set(ebay.CATALOGUE)
    return {norm(n): n for n in names if len(norm(n)) >= 5}


def _fuzzy_make(cat: Catalogue, words: list[str]) -> str | None:
    """A misspelt make ("Peugoet", "Merzedes", "Chrsyler"): one close match among the common makes."""
    import difflib

    keys = _major_keys(cat)
    for word in words:
        key = norm(word)
        if len(key) >= 6 and key.isalpha():
            close = difflib.get_close_matches(key, keys, n=1, cutoff=0.84)
            if close:
                return keys[close[0]]
    return None


# Words that are some maker's model name but in a title mostly say something else ("Super Zustand",
# "Cabrio", "Kombi", "Turbo").
GENERIC_WORDS = frozenset(norm(w) for w in (
    "super", "cabrio", "cabriolet", "kombi", "bus", "van", "sport", "sports", "turbo", "coupe", "limo",
    "touring", "special", "custom", "deluxe", "classic", "auto", "pkw", "transporter", "diesel", "gt", "gti",
    "tdi", "cdi", "v6", "v8", "v12", "4x4", "limited", "premium", "city", "family", "top", "export", "rs",
    "roadster", "spider", "spyder", "targa", "hybrid", "electric", "ev", "eco", "lx", "ls", "le", "se",
))  # fmt: skip


def _model_make(cat: Catalogue, chunk: str) -> str | None:
    """The make of a model name as written, when it points to one make."""
    chunk = re.sub(r"(?i)\bklasse\b", "Class", chunk)  # German "E Klasse"
    key = norm(chunk)
    if (
        key in GENERIC_WORDS
        or chunk.isdigit()
        or len(key) < 2
        or (len(key) == 2 and not re.search(r"\d", key))
    ):
        return None
    makes = [m for m in _makes_of_model(cat, chunk) if _major(cat, m)]
    # a name kept for the markets vPIC does not cover wins where vPIC has a namesake ("Astra": Opel's,
    # not the Saturn sold 2008-09): a title without its make is rarely a rare import
    local = [m for m in makes if cat.other_market(m, chunk)]
    return _pick(cat, local or makes)


@cache
def _ebay_model_index() -> dict[str, list[tuple[str, str]]]:
    """Normalised model spellings of the eBay-reading table -> (make, eBay model)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for make, models in ebay.CATALOGUE.items():
        for m in models:
            for v in ebay.model_variants(make, m.name):
                if (make, m.name) not in out.setdefault(norm(v), []):
                    out[norm(v)].append((make, m.name))
    return out


def _makes_of_model(cat: Catalogue, text: str) -> list[str]:
    makes = cat.makes_of_model(text)
    for make, _ in _ebay_model_index().get(norm(text), []):
        if make not in makes:
            makes.append(make)
    return makes


def _ebay_model(make: str, text: str) -> str | None:
    """eBay's Model name for a model as written, from the hand-checked eBay-reading table."""
    return next((model for m, model in _ebay_model_index().get(norm(text), []) if m == make), None)


@lru_cache(maxsize=65_536)
def make_of(cat: Catalogue, text: str) -> str | None:
    """eBay's make for a make as written ("Chevy" -> "Chevrolet"), or None."""
    return _make_of(cat, text)


@lru_cache(maxsize=65_536)
def make_of_model(cat: Catalogue, text: str) -> str | None:
    """The one make a model name as written points to ("Camry" -> "Toyota"), or None."""
    return _pick(cat, _makes_of_model(cat, text))


@lru_cache(maxsize=65_536)
def ebay_model_name(cat: Catalogue, make: str, text: str) -> str | None:
    """eBay's Model value for text that spells a model name of the catalogue exactly (an eBay name or
    spelling, or a vPIC name: "528i" -> "5-Series"); None for anything else (no family rule applied)."""
    name = _ebay_model(make, text)
    if name is not None:
        return name
    reading = cat.named(make, text)
    return reading.model if reading is not None else None


def _known_model(cat: Catalogue, make: str, text: str) -> bool:
    return cat.model(make, text) is not None or _ebay_model(make, text) is not None


def _model_words(
    cat: Catalogue, make: str, written: str, after: str, trim: str | None
) -> tuple[str, str | None]:
    """The model as the catalogue knows it, where a model's span stopped short or ran on.

    A span that is no known model is extended over the next words when that gives one ("Monte" of
    "Monte Carlo": the longest wins, the words leave the trim), else cut back to its longest known
    start ("M340i CLEAN CARFAX", "6 GRAND"). A span that is a known model stays as it is.
    """
    if _known_model(cat, make, written):
        return written, trim
    following = re.findall(r"[^\s,;|~*!()]+", after)[:3]
    for n in range(len(following), 0, -1):
        longer = " ".join([written, *following[:n]])
        if _known_model(cat, make, longer):
            taken = " ".join(following[:n])
            if trim and trim.startswith(taken):
                trim = trim[len(taken) :].strip() or None
            return longer, trim
    words = written.split()
    for n in range(len(words) - 1, 0, -1):
        shorter = " ".join(words[:n])
        if _known_model(cat, make, shorter):
            return shorter, trim
    return written, trim


def _ebay_years(make: str, model: str, year: int) -> bool:
    return any(m.name == model and m.years[0] <= year <= m.years[1] for m in ebay.CATALOGUE.get(make, []))


SpanLike = Sequence[Any] | Mapping[str, Any]


def link(text: str, spans: Iterable[SpanLike], cat: Catalogue | None = None) -> CarRecord:
    """One record for a title from its spans (`(start, end, label)` tuples or the server's span dicts)."""
    cat = cat or load()
    first: dict[str, tuple[str, float]] = {}
    model_end = 0
    for span in spans:
        if isinstance(span, Mapping):
            start, end, label, conf = span["start"], span["end"], span["label"], span.get("confidence", 1.0)
        else:
            start, end, label = span[0], span[1], span[2]
            conf = float(span[3]) if len(span) > 3 else 1.0
        if label not in first:  # the first mention is the listing's
            first[label] = (text[start:end].strip(), float(conf))
            model_end = end if label == "MODEL" else model_end
    rec = CarRecord()
    confidences = [c for label, (_, c) in first.items() if label in {"MAKE", "MODEL"}]
    how: list[str] = []

    make: str | None = None
    if "MAKE" in first:
        written = first["MAKE"][0]
        make = _make_of(cat, written)
        if make:
            how.append("catalogue" if norm(make) == norm(written) else "alias")
    if make is None and "MODEL" in first:
        make = _pick(cat, _makes_of_model(cat, first["MODEL"][0]))
        if make:
            how.append("from-model")
    if make is None:
        make = _title_make(cat, text)
        if make:
            how.append("title")
    if make is None and "MAKE" in first:
        make = first["MAKE"][0]
        how.append("as-written")
        rec.notes.append("make not in the catalogue")
    if make:
        rec.specifics["Make"] = make
        rec.vpic_make_id = cat.vpic_make_id(make)

    year = None
    if "YEAR" in first and first["YEAR"][0].isdigit():
        year = int(first["YEAR"][0])
        rec.specifics["Year"] = str(year)

    trim = first.get("TRIM", ("", 1.0))[0] or None
    if "MODEL" in first and make:
        written, trim = _model_words(cat, make, first["MODEL"][0], text[model_end:], trim)
        reading = cat.model(make, written)
        model = _ebay_model(make, written)
        if reading is not None:
            rec.vpic_model_ids = [m.id for m in reading.vpic]
            variant = cat.model(make, trim.split()[0]) if trim and not reading.trim else None
            if variant is not None and variant.model == reading.model and variant.vpic:  # "5-Series 528i"
                rec.vpic_model_ids = [m.id for m in variant.vpic]
            model = model or reading.model
            if reading.trim and norm(reading.trim) != norm(model):
                if not trim:
                    trim = reading.trim
                elif norm(reading.trim) not in norm(trim):
                    trim = f"{reading.trim} {trim}"
            how.append("catalogue")
        elif model is not None:
            how.append("catalogue")
        else:
            model = written
            how.append("as-written")
            rec.notes.append("model not in the catalogue")
        rec.specifics["Model"] = model
        exists = cat.exists(make, written, year)
        if not exists and year is not None and _ebay_years(make, model, year):
            exists = True
        rec.exists = exists
        if exists is False:
            rec.notes.append(f"{make} {model}{f' {year}' if year else ''}: no such car in vPIC")
    elif make:
        rec.exists = None if make not in cat.by_make else True
    if trim:
        rec.specifics["Trim"] = trim
    for name, label in FIELDS.items():
        if name in rec.specifics or label not in first or label in {"MAKE", "MODEL", "YEAR", "TRIM"}:
            continue
        written = first[label][0]
        if label in _CATEGORY_SURFACES:
            rec.specifics[name] = _category(label, written, make or "") or written
        elif label == "MILEAGE":
            rec.specifics[name] = _mileage(written) or written
        else:
            rec.specifics[name] = written
    rec.specifics = {name: rec.specifics[name] for name in FIELDS if name in rec.specifics}
    trust = min((HOW[h] for h in how), default=0.0)
    rec.confidence = trust * min(confidences, default=1.0 if make else 0.0)
    if rec.exists is False:
        rec.confidence *= 0.5
    return rec


def link_many(texts: Sequence[str], spans: Sequence[Iterable[SpanLike]]) -> list[CarRecord]:
    """Records for many titles (spans in the same order)."""
    cat = load()
    return [link(t, s, cat) for t, s in zip(texts, spans, strict=True)]
