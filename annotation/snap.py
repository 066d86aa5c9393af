"""Spans snapped to the catalogue: a MODEL span ends where the car's model name ends.

Why: a tagger learns where a model name ends from the titles it saw. On a model it never met, the
span runs on into the trim ("Fusion Titanium", "Civic LX"), starts inside a multi-word make ("Rover
Range Rover") or stops short ("Town" of "Town Car"). The catalogue (vPIC and eBay's reading of it)
knows every model name, so the boundary is read from it, the way the annotation guidelines read
eBay's item specifics: MODEL is eBay's Model value, the words after it that name the variant are
TRIM, and a BODY span holds body words only ("4dr Supercharged Sedan" is "4dr" and "Sedan") with the
door count beside them ("4 Door Sedan", "two door": the guidelines read a door count as BODY), and a
trim ends where a seller's remark, a package or a separator begins ("SV Trim", "350 PREMIUM PKG"),
and a bare designation right after the model is its trim ("A6 3.2"; "3.2L" is an engine).
Transmissions, drivetrains and fuels are then read by their form (`annotation.forms`).

Spans of models with another label set are never touched: `snaps(labels)` says when it applies.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache

from carner.annotation.forms import DESIGNATION, read_forms
from carner.annotation.labels import Span, word_tokens
from carner.annotation.link import ebay_model_name, make_of, make_of_model
from carner.scraper.sandbox import catalogue as ebay

from carner.common.vpic import Catalogue, load, norm

# Bumped whenever a rule below changes: evaluations record it, so figures of another version are redone.
SNAP_VERSION = "catalogue-6"
NEEDED_LABELS = frozenset({"MAKE", "MODEL"})
# Words a model span may grow over when they complete a model name ("Town" -> "Town Car").
MAX_EXTENSION = 2

_DOORS = re.compile(r"^(?:\d ?-?d(?:r|oor)?|\d-door|two|four|door|dr)$", re.IGNORECASE)
# Words that only say "body" next to another body word ("Sport Utility", "Gran Coupe", "Crew Cab").
_BODY_HELPERS = frozenset(
    {"sport", "gran", "station", "mini", "cargo", "passenger", "drop", "crew", "widebody"}
)
# A door count said outright ("4dr", "4-Door", "Door" of "4 Door"): BODY on its own.
_DOOR_FORMS = r"\d ?-?d(?:r|oor)s?|\d-?d|doors?|dr"
_DOOR_WORD = re.compile(f"^(?:{_DOOR_FORMS})$", re.IGNORECASE)
_SAID_DOORS = re.compile(r"(?:dr|doors?)$", re.IGNORECASE)  # "4dr", "door": not the "4D" of "Sedan 4D"
# Characters that end a trim run (the guidelines' separators) and a few that never belong to one.
_SEPARATORS = frozenset("-~(*!$#+|")
# Words that open a seller's remark or a package, not a trim (the annotation guidelines end a trim there).
_PACKAGE_WORDS = frozenset({"pkg", "pkgs", "package", "packages"})
_REMARK_WORDS = _PACKAGE_WORDS | frozenset(
    {
        "and", "&", "with", "w", "trim", "one", "1-owner", "owner", "owners", "clean", "carfax", "loaded",
        "rare", "must", "warranty", "financing", "shipping", "stunning", "pristine", "beautiful", "gorgeous",
        "mint", "immaculate", "garage", "runs", "survivor", "restored", "resto", "project", "needs",
        "navigation", "sunroof", "leather", "obo", "firm", "retails", "selling", "priced", "reserve",
    }
)  # fmt: skip
_ANY_REMARK = re.compile(
    r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(_REMARK_WORDS, key=len, reverse=True))) + r")(?!\w)"
    r"|[$+!*#~(|]",
    re.IGNORECASE,
)
# The engine words that make a designation after the model ("3.6 V6", "3.2 L") an engine.
_ENGINE_WORD = re.compile(r"^(?:[vih]-?\d{1,2}|\d{1,2}[- ]?cyl\w*|turbo\w*|liters?|l|ci|cc|rotary)$", re.I)
_BADGES = frozenset(b.casefold() for badges in ebay.TRIM_BADGES.values() for b in badges)
# Numbers that are a door count only before a door word ("4" of "4 Door", "two" of "two door").
_DOOR_NUMBERS = frozenset({"2", "3", "4", "5", "two", "three", "four", "five"})
# Body names of old American sedans that the catalogue's body types do not spell ("Tudor", "Fordor").
_OLD_BODIES = frozenset({"tudor", "fordor"})


def _body_words() -> frozenset[str]:
    forms = [f for surfaces in ebay.BODY_SURFACES.values() for f in surfaces]
    forms += [f for names in ebay.MAKE_BODY_NAMES.values() for fs in names.values() for f in fs]
    return frozenset(w.casefold() for f in forms for w in re.findall(r"\w+", f)) | _OLD_BODIES


BODY_WORDS = _body_words()
# Any word the body rules act on (a cheap test that lets most titles skip them).
_ANY_BODY_WORD = re.compile(
    r"(?<!\w)(?:"
    + "|".join(sorted(map(re.escape, BODY_WORDS), key=len, reverse=True))
    + f"|{_DOOR_FORMS})(?!\\w)",
    re.IGNORECASE,
)
# A TRIM span the catalogue's trim names are looked up for: one the body or remark rules may cut.
_NEEDS_TRIM_NAMES = re.compile(f"{_ANY_BODY_WORD.pattern}|{_ANY_REMARK.pattern}", re.IGNORECASE)
# Body names that open with a helper word ("Gran Coupe", "Sport Utility", "Station Wagon").
_MAKE_BODIES = [forms for names in ebay.MAKE_BODY_NAMES.values() for forms in names.values()]
_BODY_PHRASES = frozenset(
    " ".join(words[:2]).casefold()
    for surfaces in [*ebay.BODY_SURFACES.values(), *_MAKE_BODIES]
    for words in (f.split() for f in surfaces)
    if len(words) > 1 and words[0].casefold() in _BODY_HELPERS
)


def snaps(labels: Iterable[str]) -> bool:
    """Whether a model with these labels reads carner's schema (make and model), so snapping applies."""
    return NEEDED_LABELS <= set(labels)


def _is_body_word(word: str) -> bool:
    return word.casefold() in BODY_WORDS or bool(_DOORS.match(word))


def _names_a_body(words: Sequence[str]) -> bool:
    """Whether the words name a body: a body word, or a door count said outright ("two door")."""
    core = BODY_WORDS - _BODY_HELPERS - _DOOR_NUMBERS
    return any((w.casefold() in core and not _DOORS.match(w)) or _DOOR_WORD.match(w) for w in words)


class _Title:
    """A title's words (carner's word split) with their offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = word_tokens(text)
        self._starts = [a for a, _b in self.words]  # words never overlap: starts and ends both ascend
        self._ends = [b for _a, b in self.words]

    def inside(self, start: int, end: int) -> list[int]:
        return list(range(bisect_left(self._starts, start), bisect_right(self._ends, end)))

    def after(self, end: int) -> list[int]:
        return list(range(bisect_left(self._starts, end), len(self.words)))

    def piece(self, first: int, last: int) -> str:
        return self.text[self.words[first][0] : self.words[last][1]]

    def word(self, i: int) -> str:
        a, b = self.words[i]
        return self.text[a:b]


def _snap_body(title: _Title, span: Span) -> list[Span]:
    """A BODY span split at words that are no body words ("4dr Supercharged Sedan" -> "4dr", "Sedan");
    a span none of whose pieces names a body ("BlueTEC Sport") is dropped."""
    runs: list[list[int]] = [[]]
    for i in title.inside(span[0], span[1]):
        if _is_body_word(title.word(i)):
            runs[-1].append(i)
        elif runs[-1]:
            runs.append([])
    runs = [run for run in runs if run]
    named = [_names_a_body([title.word(i) for i in run]) for run in runs]
    if not any(named):
        return []
    return [
        (title.words[run[0]][0], title.words[run[-1]][1], "BODY")
        for run, names in zip(runs, named, strict=True)
        if names or all(_DOORS.match(title.word(i)) for i in run)  # a door count beside the body
    ]


def _longest_named(cat: Catalogue, make: str, title: _Title, first: int, last: int) -> tuple[int, str] | None:
    """The longest run of words from `first` (to `last` at most) that is a model name the catalogue
    has: its last word and eBay's Model value."""
    for end in range(last, first - 1, -1):
        name = ebay_model_name(cat, make, title.piece(first, end))
        if name is not None:
            return end, name
    return None


def _model_start(title: _Title, first: int, last: int, name: str) -> int | None:
    """The last word of the run from `first` that spells eBay's Model value ("LS" of "LS 460")."""
    for end in range(first, last + 1):
        if norm(title.piece(first, end)) == norm(name):
            return end
    return None


def _snap_model(
    cat: Catalogue, make: str, title: _Title, span: Span, taken: list[Span]
) -> tuple[int, int, int, int] | None:
    """(first, last) word of the model and (first, last) word of the trim after it (-1, -1: none);
    None when the catalogue cannot place the model."""
    inside = title.inside(span[0], span[1])
    if not inside:
        return None
    occupied = {i for s in taken if s[2] in {"MAKE", "YEAR"} for i in title.inside(s[0], s[1])}
    following = []
    for i in title.after(span[1])[:MAX_EXTENSION]:
        if i in occupied or not re.search(r"\w", title.word(i)):
            break
        following.append(i)
    for first in inside:  # leading words that belong to the make ("Romeo" of "Alfa Romeo GTV")
        dropped = norm(title.word(first - 1)) if first != inside[0] else ""
        if first != inside[0] and (len(dropped) < 3 or dropped not in norm(make)):
            return None
        found = _longest_named(cat, make, title, first, (following or inside)[-1])
        if found is None:
            reading = cat.model(make, title.piece(first, inside[-1]))  # a family read by rule: "LS 460"
            found = (inside[-1], reading.model) if reading is not None else None
        if found is not None:
            end, name = found
            model_end = _model_start(title, first, end, name)
            if model_end is None:  # a designation in the model slot stays MODEL ("528i", "300SEL")
                model_end = end
            trim_end = max(end, inside[-1]) if model_end < inside[-1] or model_end < end else -1
            return first, model_end, (model_end + 1 if trim_end != -1 else -1), trim_end
    return None


def _make_for(cat: Catalogue, title: _Title, make_span: Span | None, span: Span) -> str | None:
    """The make of a model span: the title's make ("Land" cut short of "Land Rover" included), else
    the one make its longest known start points to ("Camry LE" -> Toyota)."""
    inside = title.inside(span[0], span[1])
    if make_span is not None:
        for end in [make_span[1], *(title.words[i][1] for i in inside[:2])]:
            make = make_of(cat, title.text[make_span[0] : end])
            if make is not None:
                return make
    for last in reversed(inside):
        make = make_of_model(cat, title.piece(inside[0], last))
        if make is not None:
            return make
    return None


def snap_spans(text: str, spans: Iterable[Span], cat: Catalogue | None = None) -> list[Span]:
    """The spans with MODEL, TRIM and BODY boundaries read from the catalogue, and transmissions,
    drivetrains and fuels read by their form (`annotation.forms`)."""
    cat = cat or load()
    title = _Title(text)
    snapped = _snap_to_catalogue(title, spans, cat)
    model = next((s for s in snapped if s[2] == "MODEL"), None)
    make_span = next((s for s in snapped if s[2] == "MAKE"), None)
    return read_forms(text, snapped, lambda: _model_trims(cat, title, make_span, model))


def _model_trims(cat: Catalogue, title: _Title, make_span: Span | None, model: Span | None) -> frozenset[str]:
    """The trims the catalogue knows for the title's model span, as comparison keys (none without one)."""
    make = _make_for(cat, title, make_span, model) if model is not None else None
    name = ebay_model_name(cat, make, title.text[model[0] : model[1]]) if make and model else None
    return _trim_names(cat, make, name) if make and name else frozenset()


def _snap_to_catalogue(title: _Title, spans: Iterable[Span], cat: Catalogue) -> list[Span]:
    text = title.text
    spans = sorted((int(s), int(e), str(lab)) for s, e, lab, *_ in spans)
    out: list[Span] = []
    for span in spans:
        out.extend(_snap_body(title, span) if span[2] == "BODY" else [span])
    make_span = next((s for s in out if s[2] == "MAKE"), None)
    result = list(out)
    for span in out:
        if span[2] != "MODEL":
            continue
        car_make = _make_for(cat, title, make_span, span)
        placed = _snap_model(cat, car_make, title, span, out) if car_make else None
        if placed is None:
            continue
        first, model_end, trim_first, trim_end = placed
        model = (title.words[first][0], title.words[model_end][1], "MODEL")
        new = [model]
        if trim_first != -1 and trim_first <= trim_end:
            trim_words = [title.word(i) for i in range(trim_first, trim_end + 1)]
            label = "BODY" if all(map(_is_body_word, trim_words)) and _names_a_body(trim_words) else "TRIM"
            new.append((title.words[trim_first][0], title.words[trim_end][1], label))
        lo, hi = min(model[0], span[0]), max(s[1] for s in new)
        result = [s for s in result if s != span and (s[1] <= lo or s[0] >= hi)] + new
        if make_span is not None and model[0] > span[0] and make_span[1] <= span[0]:  # "Alfa" + "Romeo"
            grown = (make_span[0], title.words[first - 1][1], "MAKE")
            result = [grown if s == make_span else s for s in result]
    merged = _merge_trims(text, _displacement_trims(title, sorted(result)))
    has_remark = any(s[2] == "TRIM" and _ANY_REMARK.search(text, s[0], s[1]) for s in merged)
    if not has_remark and not _ANY_BODY_WORD.search(text):  # most titles: nothing more to do
        return merged
    known = _known_trim_words(cat, title, merged)
    if has_remark:
        cut = [_trim_until_remark(title, s, known.get(s, 0)) if s[2] == "TRIM" else [s] for s in merged]
        merged = [piece for pieces in cut for piece in pieces]
        known = _known_trim_words(cat, title, merged)
    return _complete_bodies(title, merged, known)


def _displacement_trims(title: _Title, spans: list[Span]) -> list[Span]:
    """A bare designation right after the model is its trim ("A6 3.2", "S40 2.4I", "Altima 3.5 SE"),
    with a maker's drivetrain badge right after it ("2.8 quattro"): eBay's Trim, where "3.2L" or "3.6
    V6" would be an engine. Taggers read it as an engine: an ENGINE span of that word alone, or no
    span, becomes TRIM."""
    out = list(spans)
    for model in (s for s in spans if s[2] == "MODEL"):
        after = title.after(model[1])
        if not after:
            continue
        (a, b), words = title.words[after[0]], [title.word(i) for i in after[:2]]
        holder = [s for s in out if s[0] <= a < s[1]]
        if holder and holder[0] != (a, b, "ENGINE"):
            continue
        if not DESIGNATION.fullmatch(words[0]) or (len(words) > 1 and _ENGINE_WORD.match(words[1])):
            continue
        if len(words) > 1 and words[1].casefold() in _BADGES:
            badge = title.words[after[1]]
            if not any(s[0] <= badge[0] < s[1] and s[2] not in ("DRIVETRAIN", "TRIM") for s in out):
                out = [s for s in out if not s[0] <= badge[0] < s[1]]
                b = badge[1]
        out = [s for s in out if s not in holder] + [(a, b, "TRIM")]
    return sorted(out)


def _trim_until_remark(title: _Title, span: Span, known: int = 0) -> list[Span]:
    """A TRIM span ends where a seller's remark or a package begins ("Luxury Trim" -> "Luxury", "350
    PREMIUM PKG" -> "350", "M Sport and Luxury Package" -> "M Sport"); a span that is all remark
    ("one" of "one owner", "RARE CONGRESSIONAL") is no trim. Its first `known` words spell a trim the
    catalogue knows and stay."""
    idx = title.inside(span[0], span[1])
    for k in range(known, len(idx)):
        word = title.word(idx[k]).casefold()
        plain = word not in _REMARK_WORDS and word[0] not in _SEPARATORS and any(map(str.isalnum, word))
        if plain or word == "/":  # "/" joins alternatives inside a trim ("Hot Rod / Street Rod")
            continue
        if word in _PACKAGE_WORDS and k >= 1:
            k -= 1  # the package's own name ("PREMIUM" of "PREMIUM PKG"), even where a trim has that word
        while k > 0 and not any(map(str.isalnum, title.word(idx[k - 1]))):
            k -= 1  # no trim ends on a "/"
        return [(span[0], title.words[idx[k - 1]][1], "TRIM")] if k > 0 else []
    return [span]


@lru_cache(maxsize=4096)
def _trim_names(cat: Catalogue, make: str, model: str) -> frozenset[str]:
    """The trims the catalogue knows for a model (eBay's and vPIC's), as comparison keys."""
    names = {t for m in ebay.CATALOGUE.get(make, ()) if norm(m.name) == norm(model) for t in m.trims}
    reading = cat.model(make, model)
    for vpic_model in reading.vpic if reading is not None else ():
        names.update(part for value in vpic_model.values("trim") for part in re.split(r"[,/]", value))
    return frozenset(key for key in map(norm, names) if key)


def _known_trim_words(cat: Catalogue, title: _Title, spans: list[Span]) -> dict[Span, int]:
    """For each TRIM span after a model that holds a body word, how many of its first words spell a
    trim the catalogue knows for that model ("Estate" of a Roadmaster, "Coupe de Ville", "Power
    Wagon"): those stay TRIM."""
    make_span = next((s for s in spans if s[2] == "MAKE"), None)
    known: dict[Span, int] = {}
    model: Span | None = None
    for span in spans:
        if span[2] == "MODEL":
            model = span
        elif span[2] == "TRIM" and model is not None and _NEEDS_TRIM_NAMES.search(title.text, *span[:2]):
            names = _model_trims(cat, title, make_span, model)
            words = title.inside(span[0], span[1])
            known[span] = next(
                (
                    n
                    for n in range(len(words), 0, -1)
                    if title.word(words[n - 1])[0].isalnum()
                    and norm(title.piece(words[0], words[n - 1])) in names
                ),
                0,
            )
    return known


def _body_role(word: str) -> str | None:
    """What a word can be in a BODY span: "door", "number" (of doors), "helper", "body" or nothing."""
    folded = word.casefold()
    if _DOOR_WORD.match(folded):
        return "door"
    if folded in _DOOR_NUMBERS:
        return "number"
    if folded in _BODY_HELPERS:
        return "helper"
    return "body" if folded in BODY_WORDS or _DOORS.match(folded) else None


def _trim_until_body(title: _Title, span: Span, known: int = 0) -> list[Span]:
    """A TRIM span ends where body words begin ("Base 4dr Supercharged" -> TRIM "Base", BODY "4dr"):
    the guidelines end a trim at words of another label. A trim that opens with the body keeps the
    words after it ("Sedan LX" -> BODY "Sedan", TRIM "LX"). Its first `known` words spell a trim the
    catalogue knows and stay TRIM ("Coupe de Ville")."""
    idx = title.inside(span[0], span[1])
    roles = [_body_role(title.word(i)) for i in idx]
    for k, role in enumerate(roles):
        if k < known or role is None or role == "helper":
            continue
        end = k
        while end + 1 < len(idx) and roles[end + 1] is not None:
            end += 1
        while end > k and roles[end] in ("helper", "number"):
            end -= 1
        words = [title.word(i) for i in idx[k : end + 1]]
        if roles[k] == "number" and (end == k or roles[k + 1] != "door"):
            continue
        if not _names_a_body(words):
            continue
        body = (title.words[idx[k]][0], title.words[idx[end]][1], "BODY")
        if k > 0:
            return [(span[0], title.words[idx[k - 1]][1], "TRIM"), body]
        rest = [(title.words[idx[end + 1]][0], span[1], "TRIM")] if end + 1 < len(idx) else []
        return [body, *rest]
    return [span]


def _complete_bodies(title: _Title, spans: list[Span], known: dict[Span, int]) -> list[Span]:
    """BODY spans grown over the body words and door count beside them ("4dr" + "Sedan" -> "4dr
    Sedan"), and a door count said outright that no span holds tagged BODY ("two door")."""
    spans = [
        piece
        for span in spans
        for piece in (_trim_until_body(title, span, known.get(span, 0)) if span[2] == "TRIM" else [span])
    ]
    bodies = [s for s in spans if s[2] == "BODY"]
    others = [s for s in spans if s[2] != "BODY"]
    in_body = {i for s in bodies for i in title.inside(s[0], s[1])}
    taken = {i for s in others for i in title.inside(s[0], s[1])}
    roles = [None if i in taken else _body_role(title.word(i)) for i in range(len(title.words))]

    def keeps(run: list[int], at: int) -> bool:  # may the run's end word `at` stay in it?
        role = roles[at]
        if role == "number":
            return at + 1 in run and roles[at + 1] == "door"
        if role != "helper" or at in in_body:
            return True
        pair = f"{title.word(at)} {title.word(at + 1)}".casefold() if at + 1 in run else ""
        return at == run[0] and pair in _BODY_PHRASES  # "Gran" of "Gran Coupe"

    grown: list[Span] = []
    i = 0
    while i < len(roles):
        if roles[i] is None:
            i += 1
            continue
        run = [i]
        while run[-1] + 1 < len(roles) and roles[run[-1] + 1] is not None:
            run.append(run[-1] + 1)
        i = run[-1] + 1
        while run and not keeps(run, run[0]):
            run.pop(0)
        while run and not keeps(run, run[-1]):
            run.pop()
        said_doors = any(roles[j] == "door" and _SAID_DOORS.search(title.word(j)) for j in run)
        if run and (in_body.intersection(run) or said_doors) and _names_a_body([title.word(j) for j in run]):
            grown.append((title.words[run[0]][0], title.words[run[-1]][1], "BODY"))
    return sorted(others + grown)


def _merge_trims(text: str, spans: list[Span]) -> list[Span]:
    """Adjacent TRIM pieces (a snapped remainder and the tagger's own trim) become one span."""
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1][1] > span[0]:
            continue  # never overlap
        last = merged[-1] if merged else None
        if last and span[2] == last[2] == "TRIM" and not text[last[1] : span[0]].strip():
            merged[-1] = (last[0], span[1], "TRIM")
        else:
            merged.append(span)
    return merged
