"""Spans snapped to the catalogue: a MODEL span ends where the car's model name ends.

Why: a tagger learns where a model name ends from the titles it saw. On a model it never met, the
span runs on into the trim ("Fusion Titanium", "Civic LX"), starts inside a multi-word make ("Rover
Range Rover") or stops short ("Town" of "Town Car"). The catalogue (vPIC and eBay's reading of it)
knows every model name, so the boundary is read from it, the way the annotation guidelines read
eBay's item specifics: MODEL is eBay's Model value, the words after it that name the variant are
TRIM, and a BODY span holds body words only ("4dr Supercharged Sedan" is "4dr" and "Sedan").

Spans of models with another label set are never touched: `snaps(labels)` says when it applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from carner.annotation.labels import Span, word_tokens
from carner.annotation.link import ebay_model_name, make_of, make_of_model
from carner.scraper.sandbox import catalogue as ebay

from carner.common.vpic import Catalogue, load, norm

# Bumped whenever a rule below changes: evaluations record it, so figures of another version are redone.
SNAP_VERSION = "catalogue-1"
NEEDED_LABELS = frozenset({"MAKE", "MODEL"})
# Words a model span may grow over when they complete a model name ("Town" -> "Town Car").
MAX_EXTENSION = 2

_DOORS = re.compile(r"^(?:\d ?-?d(?:r|oor)?|\d-door|two|four|door|dr)$", re.IGNORECASE)
# Words that only say "body" next to another body word ("Sport Utility", "Gran Coupe", "Crew Cab").
_BODY_HELPERS = frozenset({"sport", "gran", "station", "mini", "cargo", "passenger", "drop", "crew"})


def _body_words() -> frozenset[str]:
    forms = [f for surfaces in ebay.BODY_SURFACES.values() for f in surfaces]
    forms += [f for names in ebay.MAKE_BODY_NAMES.values() for fs in names.values() for f in fs]
    return frozenset(w.casefold() for f in forms for w in re.findall(r"\w+", f))


BODY_WORDS = _body_words()


def snaps(labels: Iterable[str]) -> bool:
    """Whether a model with these labels reads carner's schema (make and model), so snapping applies."""
    return NEEDED_LABELS <= set(labels)


def _is_body_word(word: str) -> bool:
    return word.casefold() in BODY_WORDS or bool(_DOORS.match(word))


def _names_a_body(words: Sequence[str]) -> bool:
    core = BODY_WORDS - _BODY_HELPERS
    return any(w.casefold() in core and not _DOORS.match(w) for w in words)


class _Title:
    """A title's words (carner's word split) with their offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = word_tokens(text)

    def inside(self, start: int, end: int) -> list[int]:
        return [i for i, (a, b) in enumerate(self.words) if a >= start and b <= end]

    def after(self, end: int) -> list[int]:
        return [i for i, (a, _b) in enumerate(self.words) if a >= end]

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
    """The spans with MODEL and BODY boundaries read from the catalogue (other labels unchanged)."""
    cat = cat or load()
    title = _Title(text)
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
    return _merge_trims(text, sorted(result))


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
