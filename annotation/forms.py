"""Characteristics with a closed vocabulary, read by their form: "6MT" is a transmission, "AWD" a drivetrain.

Why: a tagger trained on sandbox titles meets a rare characteristic in a real title ("6MT" once in
hundreds of titles, "TURBO DIESEL" in capitals, a paint name after a seller's word) and labels it by its
place ("6MT" after the trim read as an ENGINE, "Brougham" as a COLOR) or not at all. Transmissions,
drivetrains, fuels and paint colours are spelt with few words, and the annotation guidelines list them,
so the words' form says the label where the tagger's guess does not:

- a characteristic span whose words spell another characteristic takes that label ("6MT" ENGINE ->
  TRANSMISSION, "TURBO" COLOR -> ENGINE, "Dark" DRIVETRAIN -> COLOR);
- a TRANSMISSION or DRIVETRAIN span glued to a seller's word keeps its own part ("AWD-GORGEOUS" -> "AWD");
- a TRANSMISSION, DRIVETRAIN, FUEL or COLOR span that spells none of them is the trim where the title
  has none ("Fleetwood 5.7L V8 Brougham"), else no span;
- a maker's badge joins the trim it follows ("S550 4MATIC") and stands alone as DRIVETRAIN elsewhere
  ("Sedan Quattro AWD"); a trim the catalogue knows for the model stays ("Model 3 RWD", "S8 quattro");
- a fuel right after the model or the trim is the maker's variant name, TRIM ("Accord Hybrid"), as the
  guidelines read it; anywhere else it is FUEL ("300D, TURBO DIESEL");
- words no span holds that can only be a transmission, a drivetrain, a fuel or a paint colour get that
  label ("6MT", "AWD", "Diesel", "75k miles", "Stunning Black"), a colour never right after the model or
  trim ("Black Label" is a trim) and only where no other word follows it ("Black Leather", "Silver
  Shadow");
- an ENGINE span keeps its engine words ("4.6L V8 MOTOR" -> "4.6L V8"), and a designation with a
  trim's words is the trim ("2.5 SV", "3.0T"); a MILEAGE span runs from the number to "miles", and a
  price is none ("$50k", "225K MSRP");
- the words of one transmission, drivetrain, engine, colour or trim are one span ("6-Speed" + "Manual",
  "Dark" + "Aquamarine-Grey Metallic").

MAKE, YEAR and BODY spans are never touched, nor the first MODEL span; a second MODEL span is no model
(the guidelines annotate the first mention only) and is read like a TRIM.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial

from carner.annotation.labels import Span, word_tokens
from carner.scraper.sandbox.catalogue import COLOR_SURFACES

from carner.common.vpic import norm

_SPEEDS = r"(?:\d{1,2}|three|four|five|six|seven|eight|nine|ten)[- ]?(?:speed|spd|sp)"
_GEARBOX = r"(?:manual|automatic|auto|stick|trans(?:mission)?)"
# Forms that are a transmission wherever they stand ("6-Speed Manual", "6MT", "Manual 6 Speed", "CVT").
_TRANSMISSION = (
    rf"{_SPEEDS}(?:[- ]{_GEARBOX})?(?:[- ]trans(?:mission)?)?"
    rf"|(?:manual|automatic)(?:[- ]{_SPEEDS})?(?:[- ]trans(?:mission)?)?"
    r"|[4-9]-?(?:mt|at)|m/t|a/t|cvt|dsg|pdk|smg|dct|stick[- ]?shift|tiptronic|steptronic"
)
# Forms that are a transmission only where a tagger already marked a characteristic ("Auto", "AT").
_TRANSMISSION_WEAK = r"auto|at|mt|stick"
_DRIVE = r"awd|4wd|fwd|rwd|2wd|4x4|4x2|(?:all|four|4|front|rear)[- ]wheel[- ]drive"
# A maker's all-wheel-drive badge: DRIVETRAIN standing alone, inside a TRIM that it follows.
_DRIVE_BADGE = r"4matic\+?|quattro|xdrive|sdrive|4motion|sh-awd"
_BADGE = re.compile(f"(?:{_DRIVE_BADGE})", re.IGNORECASE)
_FUEL = r"diesel|flex[- ]fuel|electric|all[- ]electric|hybrid|plug-in[- ]hybrid"
_FUEL_WEAK = r"ev|phev|ffv|e85|gas|gasoline|gas/hybrid|cng|hydrogen|fuel cell|tdi|bluetec"
# One engine word: displacement, cylinders, cubic inches, aspiration.
_LITRES = r"\d\.\d\d? ?l(?:iters?)?|\d\.\d\d?-liter"
_ENGINE_WORD = (
    rf"{_LITRES}|\d{{3,4}} ?cc|\d{{3}} ?cid?|[vwih]-?\d{{1,2}}|\d{{1,2}}[- ]?cyl(?:inders?)?"
    r"|(?:twin[- ]|bi-?)?turbo(?:charged)?|supercharged|hemi|rotary"
    r"|(?:straight|inline|flat)[- ]?(?:4|6|8|four|six|eight)|ecoboost|duramax|cummins|power ?stroke|vortec"
)
# Engine words that are an engine wherever they stand (a bare "Turbo" after the model is a trim).
_ENGINE_STRONG = (
    rf"{_LITRES}|[vw]-?(?:6|8|10|12)|supercharged|twin[- ]turbo|turbocharged|biturbo"
    r"|(?:straight|inline)[- ]?(?:6|8|six|eight)"
)
# Contiguous engine words, a bare displacement beside them included ("V6 2.5", "6.75 V8", "350 V8").
# A hybrid after the engine words is the engine's ("2.5L I4 Hybrid"); motors and fuel cells are engines.
_ENGINE_WORDS = (
    rf"(?:(?:\d\.\d\d?|\d{{3}})[ -])?(?:{_ENGINE_WORD})(?:[ -](?:{_ENGINE_WORD}|\d\.\d\d?(?![\w.])))*"
    r"(?: hybrid(?![\w-]))?"
)
_ENGINE = rf"{_ENGINE_WORDS}|(?:dual |electric )motors?|(?:hydrogen )?fuel cell"
_ENGINE_RUN = re.compile(rf"(?<![\w.-]){_ENGINE_WORDS}(?![\w.])", re.IGNORECASE)
# A designation ("2.3", "3.5T", "2.5I"; not "3.2L", an engine): the trim right after the model.
DESIGNATION = re.compile(r"\d\.\d[A-KM-Za-km-z]?")
# Mileage: a number with "k" or a miles word ("84k miles", "27,087 Actual Miles", "53ks", "55K").
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d)?"
_MILES = r"(?:(?:actual|original|orig|genuine|documented|true|one[- ]owner) )?(?:miles|mile|mi)"
_MILEAGE = rf"(?:{_NUMBER}) ?(?:k ?{_MILES}|{_MILES}|ks|k)"
_MILEAGE_RUN = re.compile(rf"(?<![\w$.,])(?:{_MILEAGE})(?!\w)", re.IGNORECASE)
_MILEAGE_STRONG = re.compile(rf"(?:{_NUMBER}) ?k? {_MILES}", re.IGNORECASE)
# Paint: base colour names (enough for a colour on their own) and the words that shade or name a paint.
_BASE_COLOURS = frozenset(
    {
        "black", "white", "silver", "gray", "grey", "blue", "red", "green", "brown", "beige", "gold",
        "yellow", "orange", "burgundy", "maroon", "purple", "pink", "teal", "turquoise", "aquamarine",
    }
)  # fmt: skip
_PAINT_PART = re.compile(r"[^\W\d_]+")
_PAINT_WORDS = _BASE_COLOURS | frozenset(
    w.casefold() for surfaces in COLOR_SURFACES.values() for s in surfaces for w in _PAINT_PART.findall(s)
) | frozenset(
    {
        "dark", "light", "deep", "bright", "metallic", "pearl", "pearlcoat", "tricoat", "mica", "matte",
        "satin", "candy", "navy", "ivory", "cream", "bronze", "copper", "charcoal", "graphite", "gunmetal",
        "pewter", "crimson", "scarlet", "ruby", "wine", "plum", "violet", "emerald", "olive", "lime",
        "sapphire", "cobalt", "indigo", "azure", "slate", "ebony", "onyx", "obsidian", "midnight",
        "champagne", "sandstone", "mocha", "aqua", "cyan", "magenta", "lavender", "jade", "tan",
    }
)  # fmt: skip
# Words that may follow a paint colour no span holds ("Black on Tan", "Black w/ Leather"); any other
# word may make it a name ("Silver Shadow", "Black Label") or another part ("Black Leather").
_PAINT_FOLLOWERS = frozenset({"on", "over", "with", "w", "exterior", "paint", "color", "colour", "and", "&"})


def _whole(pattern: str) -> re.Pattern[str]:
    return re.compile(f"(?:{pattern})", re.IGNORECASE)


# The form each label is found by (on words no span holds) and recognised by (on a tagger's span).
_FOUND = {
    "TRANSMISSION": _whole(_TRANSMISSION),
    "DRIVETRAIN": _whole(_DRIVE),
    "FUEL": _whole(_FUEL),
    "MILEAGE": _MILEAGE_STRONG,
    "ENGINE": _whole(rf"(?:{_ENGINE_STRONG})(?:[ -](?:{_ENGINE_WORD}))*"),
}
_RECOGNISED = {
    "TRANSMISSION": _whole(f"{_TRANSMISSION}|{_TRANSMISSION_WEAK}"),
    "DRIVETRAIN": _whole(f"{_DRIVE}|{_DRIVE_BADGE}"),
    "FUEL": _whole(f"{_FUEL}|{_FUEL_WEAK}"),
    "ENGINE": _whole(_ENGINE),
}
# Labels whose spans may take another characteristic's label when their words spell it.
_CHARACTERISTICS = frozenset({"ENGINE", "TRANSMISSION", "DRIVETRAIN", "FUEL", "COLOR"})
# Labels with a closed vocabulary: a span that spells none of it is the tagger's mistake.
_CLOSED = frozenset({"TRANSMISSION", "DRIVETRAIN", "FUEL", "COLOR"})
# Labels outside the closed ones whose spans are checked against their form.
_OPEN_CHECKED = frozenset({"FUEL", "ENGINE", "MILEAGE"})
# Labels whose adjacent spans are one phrase ("6-Speed" + "Manual", "4.6L" + "V8").
_JOINED = frozenset({"TRANSMISSION", "DRIVETRAIN", "ENGINE", "COLOR", "TRIM"})
# A cheap test that lets most titles skip the rules.
_ANY_FORM = re.compile(
    r"(?<!\w)(?:"
    + "|".join(
        [_TRANSMISSION, _TRANSMISSION_WEAK, _DRIVE, _DRIVE_BADGE, _FUEL, _FUEL_WEAK, _ENGINE_STRONG, _MILEAGE]
    )
    + "|"
    + "|".join(sorted(_PAINT_WORDS, key=len, reverse=True))
    + r")",
    re.IGNORECASE,
)


def _is_paint(text: str, base: bool = False) -> bool:
    """Whether every word of `text` is a paint word (and, with `base`, one of them a base colour)."""
    words = [w.casefold() for w in _PAINT_PART.findall(text)]
    return (
        bool(words) and set(words) <= _PAINT_WORDS and (not base or bool(_BASE_COLOURS.intersection(words)))
    )


def _spelt(text: str, labels: Sequence[str] = ("TRANSMISSION", "DRIVETRAIN", "FUEL", "ENGINE")) -> str | None:
    """The characteristic whose form `text` spells in full, if any."""
    return next((lab for lab in labels if _RECOGNISED[lab].fullmatch(text)), None)


def _after_the_car(
    text: str, spans: Sequence[Span], start: int, labels: Sequence[str] = ("MODEL", "TRIM")
) -> bool:
    """Whether `start` follows a span of `labels` (the model or its trim) with nothing but spaces between."""
    return any(s[2] in labels and s[1] <= start and not text[s[1] : start].strip() for s in spans)


def _in_trim_slot(text: str, spans: Sequence[Span], start: int) -> bool:
    """Whether `start` follows the model or its trim with only plain words no span holds between
    ("Accord TOURING HYBRID" where the tagger left "TOURING" out): the words there may be the trim's."""
    before = [s for s in spans if s[1] <= start]
    last = max(before, key=lambda s: s[1], default=None)
    return (
        last is not None
        and last[2] in ("MODEL", "TRIM")
        and bool(re.fullmatch(r"[\w ]*", text[last[1] : start]))
    )


def _variant_place(text: str, spans: Sequence[Span], start: int) -> bool:
    """Whether `start` is where a maker's variant name goes: right after the model or a trim that
    follows it, with no punctuation since the model ("Accord TOURING HYBRID", not "300D, W123, DIESEL")."""
    model = next((s for s in spans if s[2] == "MODEL" and s[1] <= start), None)
    return (
        model is not None
        and _after_the_car(text, spans, start)
        and bool(re.fullmatch(r"[\w\s-]*", text[model[1] : start]))
    )


def _badge(text: str, spans: Sequence[Span], start: int) -> str | None:
    """A maker's drivetrain badge belongs to the trim it follows ("S550 4MATIC"), stands alone as
    DRIVETRAIN after anything but the model ("Sedan Quattro AWD"), and right after the model is left
    to the tagger ("X7 xDrive", "S8 quattro")."""
    if _after_the_car(text, spans, start, ("TRIM",)):
        return "TRIM"
    return None if _in_trim_slot(text, spans, start) else "DRIVETRAIN"


def _characteristic(text: str, spans: Sequence[Span], span: Span) -> list[Span]:
    """A characteristic span read by its form (see the module): relabelled, cut, split, made TRIM or
    dropped."""
    start, end, label = span
    words = text[start:end]
    if aspirated := re.fullmatch(r"(turbo)[- ](diesel)", words, re.IGNORECASE):  # aspiration, then fuel
        return [(start, start + aspirated.end(1), "ENGINE"), (start + aspirated.start(2), end, "FUEL")]
    read = _one_characteristic(text, spans, span)
    return [] if read is None else [read]


def _one_characteristic(text: str, spans: Sequence[Span], span: Span) -> Span | None:
    start, end, label = span
    words = text[start:end]
    spelt = _spelt(words)
    if spelt == "FUEL" and label != "FUEL" and not _FOUND["FUEL"].fullmatch(words):
        spelt = None  # "TDI", "EV": a fuel only where the tagger said so
    if spelt == "FUEL" and _variant_place(text, spans, start) and _FOUND["FUEL"].fullmatch(words):
        return (start, end, "TRIM")  # "Accord Hybrid": the maker's variant
    if spelt == "DRIVETRAIN" and _BADGE.fullmatch(words):
        return (start, end, _badge(text, spans, start) or label)
    if label == "COLOR" and _colour_of_a_trim(text, spans, span):
        return (start, end, "TRIM")
    if spelt is not None:
        return (start, end, spelt)
    if label in ("TRANSMISSION", "DRIVETRAIN"):
        head = re.match(r"[^-]+", words)  # "AWD-GORGEOUS": the seller's word glued on
        if head and head.end() < len(words) and _RECOGNISED[label].fullmatch(head.group()):
            return (start, start + head.end(), label)
    if label == "ENGINE":
        return _engine(text, spans, span)
    if label not in _CLOSED:
        return span
    if _is_paint(words):
        return (start, end, "COLOR")
    has_trim = any(s[2] == "TRIM" for s in spans)
    after_model = any(s[2] == "MODEL" and s[1] <= start for s in spans)
    return (start, end, "TRIM") if after_model and not has_trim else None


def _engine(text: str, spans: Sequence[Span], span: Span) -> Span | None:
    """An ENGINE span that is no engine form: cut to its engine words ("4.6L V8 MOTOR" -> "4.6L V8");
    a designation with the trim's words, or a bare one in the trim's place, is the trim ("2.5 SV",
    "190-Series E 2.3"); a plain number or a word with no digit is no engine ("62" of "Series 62",
    "owner"); anything else (an engine code such as "LS3") stays."""
    start, end, _label = span
    words = text[start:end]
    if (run := _ENGINE_RUN.search(words)) is not None:
        return (start + run.start(), start + run.end(), "ENGINE")
    bare = DESIGNATION.fullmatch(words) is not None and words[-1].isdigit()  # "2.3", not "3.0T"
    if bare and _GROWS["ENGINE"].match(text, end):
        return span  # "3.8" of "3.8 V6": the engine's displacement
    if DESIGNATION.match(words) and (not bare or _in_trim_slot(text, spans, start)):
        return (start, end, "TRIM")  # "2.5 SV", "3.0T" after the body: eBay's trim
    if words.isdigit() or not any(map(str.isdigit, words)):
        return None
    return span


def _price_around(text: str, start: int, end: int) -> bool:
    """Whether a number is a price: "$" before it or "MSRP" after it."""
    return text[:start].rstrip().endswith("$") or bool(re.match(r"\s*msrp", text[end:], re.IGNORECASE))


def _mileage(text: str, span: Span) -> Span | None:
    """A MILEAGE span cut to its number and miles words; a span with none, or a price, is no mileage."""
    start, end, _label = span
    run = _MILEAGE_RUN.search(text, start, end)
    if run is None or _price_around(text, run.start(), run.end()):
        return None
    return (run.start(), run.end(), "MILEAGE")


def _colour_of_a_trim(text: str, spans: Sequence[Span], span: Span) -> bool:
    """A colour word between the model and a trim word is the trim's ("Black Label", "Black Edition")."""
    return _after_the_car(text, spans, span[0], ("MODEL",)) and any(
        s[2] == "TRIM" and s[0] >= span[1] and text[span[1] : s[0]] == " " for s in spans
    )


def _strip(text: str, span: Span) -> Span:
    """A span without the symbols a tokenizer left at its edges ("300D," -> "300D", an emoji's variation
    selector before a colour); no label's words start or end with them."""
    start, end, label = span
    while start < end and not text[start].isalnum() and text[start] not in "($":
        start += 1
    while end > start and text[end - 1] in ",;:*~-!|/":
        end -= 1
    return (start, end, label)


def _relabel(text: str, spans: list[Span], trims: frozenset[str]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        start, end, label = span
        words = text[start:end]
        if norm(words) in trims and (
            (label == "TRIM" and _in_trim_slot(text, spans, start))
            or (label in ("COLOR", "DRIVETRAIN") and _after_the_car(text, spans, start, ("MODEL",)))
        ):
            out.append((start, end, "TRIM"))  # the catalogue's trim for this model ("S8 quattro")
            continue
        if label == "MILEAGE":
            if (read := _mileage(text, span)) is not None:
                out.append(read)
            continue
        if label in _CHARACTERISTICS:
            out.extend(_characteristic(text, spans, span))
            continue
        second_model = label == "MODEL" and any(s[2] == "MODEL" and s[0] < start for s in spans)
        if (label == "TRIM" or second_model) and _BADGE.fullmatch(words):
            span = (start, end, _badge(text, spans, start) or label)  # "Sedan Quattro": no trim
        elif label == "TRIM" or second_model:
            out.extend(_trim(text, spans, span))
            continue
        out.append(span)
    return out


def _trim(text: str, spans: Sequence[Span], span: Span) -> list[Span]:
    """A TRIM span (or a second MODEL span) that spells a characteristic: a transmission or a
    drivetrain wherever it stands ("6MT", "AWD"); a fuel, an engine or a paint colour where no variant
    name goes ("CTS-V, V3 Supercharged", "TURBO DIESEL" after a comma; "Flying Spur V8" stays)."""
    start, end, label = span
    words = text[start:end]
    spelt = _spelt(words, ("TRANSMISSION", "DRIVETRAIN", "FUEL"))
    if spelt in ("TRANSMISSION", "DRIVETRAIN") and _FOUND[spelt].fullmatch(words):
        return [(start, end, spelt)]
    if _variant_place(text, spans, start):
        return [span]
    if spelt == "FUEL" and _FOUND[spelt].fullmatch(words):
        return [(start, end, "FUEL")]
    if re.fullmatch(r"turbo[- ]diesel", words, re.IGNORECASE):
        return _characteristic(text, spans, (start, end, "FUEL"))
    if _RECOGNISED["ENGINE"].fullmatch(words):
        return [(start, end, "ENGINE")]
    return [(start, end, "COLOR")] if _is_paint(words) else [span]


def _found_label(
    text: str, spans: Sequence[Span], words: Sequence[tuple[int, int]], i: int, j: int
) -> str | None:
    piece = text[words[i][0] : words[j][1]]
    label = next((lab for lab, form in _FOUND.items() if form.fullmatch(piece)), None)
    if label is None and _BADGE.fullmatch(piece):
        return _badge(text, spans, words[i][0])
    if label == "FUEL" and _in_trim_slot(text, spans, words[i][0]):  # the maker's variant, not a fuel
        return "TRIM" if _variant_place(text, spans, words[i][0]) else None  # "Corolla Hybrid LE"
    if label is None and _is_paint(piece, base=True):
        after = text[words[j + 1][0] : words[j + 1][1]].casefold() if j + 1 < len(words) else ""
        ends = not after[:1].isalnum() or after in _PAINT_FOLLOWERS
        label = "COLOR" if ends or any(s[0] == words[j + 1][0] for s in spans) else None
    if label == "COLOR" and _after_the_car(text, spans, words[i][0]):
        return None
    if label == "MILEAGE" and _price_around(text, words[i][0], words[j][1]):
        return None
    if (
        label == "ENGINE"
        and _in_trim_slot(text, spans, words[i][0])
        and not re.search(r"\d ?l\b", piece, re.I)
    ):
        return None  # "Flying Spur V8": the trim; "3.8L" is an engine wherever it stands
    return label


def _find(text: str, spans: list[Span]) -> list[Span]:
    """Spans for words no span holds that spell a transmission, a drivetrain, a fuel or a paint colour."""
    words = word_tokens(text)
    taken = [any(s[0] < b and a < s[1] for s in spans) for a, b in words]
    found: list[Span] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + 4) - 1, i - 1, -1):  # the longest phrase first
            if any(taken[i : j + 1]):
                continue
            label = _found_label(text, spans, words, i, j)
            if label:
                found.append((words[i][0], words[j][1], label))
                i = j
                break
        else:
            if not taken[i] and (glued := _glued_head(text[words[i][0] : words[i][1]])):
                found.append((words[i][0], words[i][0] + len(glued[0]), glued[1]))
        i += 1
    return found


def _glued_head(word: str) -> tuple[str, str] | None:
    """A transmission or drivetrain with a seller's word glued on by a hyphen ("AWD-GORGEOUS")."""
    head, dash, _rest = word.partition("-")
    label = next((lab for lab in ("TRANSMISSION", "DRIVETRAIN") if _FOUND[lab].fullmatch(head)), None)
    return (head, label) if dash and label else None


_GROWS = {
    "COLOR": re.compile(r"[- ]([^\W\d_]+)"),
    "ENGINE": re.compile(rf"[- ]((?:{_ENGINE_WORD})|\d\.\d\d?)(?![\w.])", re.IGNORECASE),
    "MILEAGE": re.compile(rf" ?({_MILES})(?!\w)", re.IGNORECASE),
}


def _grows(label: str, word: str) -> bool:
    return label != "COLOR" or word.casefold() in _PAINT_WORDS


def _grow(text: str, spans: list[Span]) -> list[Span]:
    """COLOR, ENGINE and MILEAGE spans grown over the paint, engine or miles words glued or next to
    them ("Aquamarine" + "-Grey Metallic", "V6" + "2.5", "Twin-" + "Turbo", "75k" + "miles")."""
    out = list(spans)
    for n, (start, end, label) in enumerate(out):
        if label not in _GROWS:
            continue
        limit = min([s[0] for s in out if s[0] >= end] + [len(text)])
        while (m := _GROWS[label].match(text, end, limit)) and _grows(label, m.group(1)):
            end = m.end()
        if label == "ENGINE" and (m := re.search(r"(?<!\w)(?:twin|bi)-$", text[:start], re.IGNORECASE)):
            start = m.start()
        floor = max([s[1] for s in out if s[1] <= start] + [0])
        while label == "COLOR" and (m := re.search(r"(?<!\w)([^\W\d_]+)[- ]$", text[floor:start])):
            if m.group(1).casefold() not in _PAINT_WORDS:
                break
            start = floor + m.start()
        out[n] = (start, end, label)
    return out


def _join(text: str, spans: list[Span]) -> list[Span]:
    joined: list[Span] = []
    for span in spans:
        last = joined[-1] if joined else None
        if last and last[1] > span[0]:
            continue  # never overlap
        if last and span[2] == last[2] in _JOINED and text[last[1] : span[0]] in (" ", "-"):
            joined[-1] = (last[0], span[1], span[2])
        else:
            joined.append(span)
    return joined


def read_forms(
    text: str, spans: Sequence[Span], trims: Callable[[], frozenset[str]] = frozenset
) -> list[Span]:
    """The spans with transmissions, drivetrains, fuels, colours, engines and mileages read by their
    form (see the module). `trims()` gives the trims the catalogue knows for the title's model (as
    `norm` keys): a TRIM span that spells one stays ("Model 3 RWD", "Accord Hybrid"), and a colour
    right after the model that spells one is that trim ("Elantra Blue")."""
    spans = sorted(spans)
    if not _ANY_FORM.search(text) and not any(s[2] in _CLOSED or s[2] in _OPEN_CHECKED for s in spans):
        return list(spans)
    known = trims()
    relabelled = _relabel(text, [s for s in map(partial(_strip, text), spans) if s[0] < s[1]], known)
    return _join(text, _grow(text, sorted(relabelled + _find(text, relabelled))))
