"""Seeded generator of eBay Motors-like car listings whose titles and descriptions carry gold spans.

Titles mimic the two real eBay Motors forms ("YYYY Make Model Trim free text" and the structured
"Make: Model Trim") with sellers' noise (aliases, case, missing fields, rare typos, extra words).
Every entity is written from a known value, so its character span is exact: that is the gold
standard the demo and the tests evaluate against.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from carner.scraper.sandbox import catalogue as cat

Span = tuple[int, int, str]  # (start, end, LABEL), code points; the shape of annotation.labels.Span

SPECIFIC_ORDER = (
    "Make", "Model", "Year", "Trim", "Body Type", "Engine", "Transmission", "Drive Type", "Fuel Type",
    "Exterior Color", "Interior Color", "Mileage", "Number of Cylinders", "VIN", "Vehicle Title",
)  # fmt: skip
# Specifics eBay Motors requires of every listing; the others go missing at random.
_REQUIRED_SPECIFICS = {"Make", "Model", "Year"}
# The sandbox's answer key: which gold label each item specific's value is written as. The scraper floor
# may not import annotation/, so it is spelt out here; a test holds it equal to annotation.labels' schema.
GOLD_LABEL_OF_SPECIFIC: dict[str, str] = {
    "Make": "MAKE", "Model": "MODEL", "Year": "YEAR", "Trim": "TRIM", "Body Type": "BODY", "Engine": "ENGINE",
    "Transmission": "TRANSMISSION", "Drive Type": "DRIVETRAIN", "Fuel Type": "FUEL",
    "Exterior Color": "COLOR", "Mileage": "MILEAGE",
}  # fmt: skip
_LABEL_OF = GOLD_LABEL_OF_SPECIFIC


@dataclass(frozen=True)
class SandboxListing:
    """One generated listing: what the site shows, plus the gold spans of its title and description."""

    item_id: str
    title: str
    title_spans: list[Span]
    price: float
    currency: str
    location: str
    condition: str
    specifics: dict[str, str]
    description: str
    description_spans: list[Span]
    # The true values every span was written from, by eBay specific name, before any specific was
    # dropped from the page (so gold can be checked even where the page hides the value).
    attributes: dict[str, str] = field(default_factory=dict)


def generate_listings(n: int, seed: int = 0, mix: TitleMix | None = None) -> list[SandboxListing]:
    """`n` listings, the same for the same seed and mix; listing i does not depend on `n` (prefix-stable).

    `mix` shapes the titles (default: as real eBay Motors sellers write them, `DEFAULT_MIX`)."""
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"listing count must be a non-negative integer, got {n!r}")
    rng = random.Random(f"carner-sandbox:{seed}")
    used_ids: set[str] = set()
    return [_listing(rng, used_ids, mix or DEFAULT_MIX) for _ in range(n)]


# --------------------------------------------------------------------------- text with spans


class _Text:
    """Text assembled piece by piece, recording the span of every entity piece."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: list[Span] = []

    def add(self, piece: str, label: str | None = None, sep: str = " ") -> None:
        if not piece:
            return
        if self.text and sep:
            self.text += sep
        start = len(self.text)
        self.text += piece
        if label:
            self.spans.append((start, start + len(piece), label))


def _case(rng: random.Random, s: str, upper: float = 0.0, lower: float = 0.0) -> str:
    r = rng.random()
    if r < upper:
        return s.upper()
    if r < upper + lower:
        return s.lower()
    return s


def _typo(rng: random.Random, word: str) -> str:
    """A plausible one-keystroke slip (swap, drop or double a letter) in a non-entity word."""
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    if len(letters) < 4:
        return word
    i = rng.choice(letters[1:-1])
    kind = rng.random()
    if kind < 0.4 and i + 1 < len(word) and word[i + 1].isalpha():
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.7:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


# --------------------------------------------------------------------------- sampling the car

_LOCATIONS = [
    ("Austin", "Texas"), ("Houston", "Texas"), ("Dallas", "Texas"), ("Miami", "Florida"),
    ("Orlando", "Florida"), ("Tampa", "Florida"), ("Los Angeles", "California"),
    ("San Diego", "California"), ("Sacramento", "California"), ("San Jose", "California"),
    ("Phoenix", "Arizona"), ("Scottsdale", "Arizona"), ("Las Vegas", "Nevada"), ("Denver", "Colorado"),
    ("Seattle", "Washington"), ("Portland", "Oregon"), ("Chicago", "Illinois"), ("Detroit", "Michigan"),
    ("Grand Rapids", "Michigan"), ("Columbus", "Ohio"), ("Cleveland", "Ohio"), ("Atlanta", "Georgia"),
    ("Charlotte", "North Carolina"), ("Raleigh", "North Carolina"), ("Nashville", "Tennessee"),
    ("New York", "New York"), ("Buffalo", "New York"), ("Newark", "New Jersey"),
    ("Philadelphia", "Pennsylvania"), ("Pittsburgh", "Pennsylvania"), ("Boston", "Massachusetts"),
    ("Baltimore", "Maryland"), ("Richmond", "Virginia"), ("Minneapolis", "Minnesota"),
    ("St. Louis", "Missouri"), ("Kansas City", "Missouri"), ("Indianapolis", "Indiana"),
    ("Milwaukee", "Wisconsin"), ("Salt Lake City", "Utah"), ("Albuquerque", "New Mexico"),
    ("Oklahoma City", "Oklahoma"), ("New Orleans", "Louisiana"), ("Boise", "Idaho"),
    ("Anchorage", "Alaska"), ("Honolulu", "Hawaii"),
]  # fmt: skip

_EXOTIC = {"Ferrari", "Lamborghini", "McLaren", "Rolls-Royce", "Bentley", "Aston Martin"}
_LUXURY = {
    "Mercedes-Benz", "BMW", "Porsche", "Audi", "Lexus", "Cadillac", "Lincoln", "Land Rover", "Maserati",
    "Jaguar", "Tesla", "Genesis", "Infiniti", "Acura", "Lucid", "Rivian", "Polestar", "Karma", "Lotus",
    "Volvo",
}  # fmt: skip
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _pick_model(rng: random.Random) -> cat.CarModel:
    makes = cat.MAKES
    make = rng.choices(makes, weights=[cat.MAKE_WEIGHTS.get(m, 0.6) for m in makes])[0]
    models = cat.CATALOGUE[make]
    # What sells more is listed more: a model weighs by its model years (vPIC's or the table's, 3 to 40);
    # the real reference titles come from a "sedan" search, so sedans weigh a little more.
    weights = [(2.0 if m.body == "Sedan" else 1.0) * _years_weight(m) for m in models]
    return rng.choices(models, weights=weights)[0]


def _years_weight(model: cat.CarModel) -> float:
    return min(40, max(3, model.model_years)) / 10


def _pick_year(rng: random.Random, model: cat.CarModel) -> int:
    first, last = model.years
    if model.ranges:  # sold with gaps: draw one run of years by its length, then a year in it
        first, last = rng.choices(model.ranges, weights=[b - a + 1 for a, b in model.ranges])[0]
    if rng.random() < 0.55:
        return rng.randint(first, last)
    return max(first, last - int(rng.expovariate(1 / 6)))


def _mileage(rng: random.Random, year: int, new: bool) -> int:
    if new:
        return rng.randint(3, 60)
    age = max(0, cat.CURRENT_YEAR - year)
    if age > 35:  # collector cars: often restored, low or unknown recorded mileage
        return rng.randint(800, 120000)
    return max(50, int(age * rng.uniform(4000, 15000) + rng.randint(0, 3000)))


def _price(rng: random.Random, make: str, year: int, miles: int) -> float:
    age = max(0, cat.CURRENT_YEAR - year)
    base = 180000 if make in _EXOTIC else 58000 if make in _LUXURY else 34000
    if age > 30:
        value = rng.lognormvariate(10.1, 0.7) * (2.0 if make in _EXOTIC else 1.0)
    else:
        value = base * (0.86**age) * max(0.3, 1 - miles / 400000) * rng.uniform(0.75, 1.25)
    value = max(800.0, value)
    if rng.random() < 0.5:
        return float(round(value, -2) - (5 if rng.random() < 0.5 else 0))
    return float(round(value, -1))


def _vin(rng: random.Random) -> str:
    return "".join(rng.choice(_VIN_CHARS) for _ in range(17))


def _trim(rng: random.Random, model: cat.CarModel, drive: str) -> str:
    """eBay's Trim value: a catalogue trim, sometimes with the maker's AWD badge ("S 580 4MATIC"),
    rarely the model's own name again ("Grand National", as sellers fill the Trim specific)."""
    if not model.trims or rng.random() >= 0.9:
        return ""
    if rng.random() < 0.012 and len(model.name) >= 2:
        return model.name
    trim = rng.choice(model.trims)
    badges = cat.TRIM_BADGES.get(model.make)
    if (
        drive == "AWD"
        and badges
        and rng.random() < 0.75
        and not any(b.casefold() in trim.casefold() for b in badges)
    ):
        trim = f"{trim} {rng.choice(badges)}"
    return trim


def _attributes(rng: random.Random, model: cat.CarModel) -> tuple[dict[str, str], int, str]:
    year = _pick_year(rng, model)
    new = year >= cat.CURRENT_YEAR - 1 and rng.random() < 0.3
    trim = _trim(rng, model, drive := rng.choice(model.drives))
    engine = rng.choice(model.engines) if model.engines else "2.0L I4"
    manual_share = 0.35 if (year < 1980 or model.body in ("Coupe", "Convertible")) else 0.08
    transmission = "Manual" if engine != "Electric" and rng.random() < manual_share else "Automatic"
    color = rng.choices(list(cat.COLOR_WEIGHTS), weights=list(cat.COLOR_WEIGHTS.values()))[0]
    miles = _mileage(rng, year, new)
    attrs = {
        "Make": model.make,
        "Model": model.name,
        "Year": str(year),
        "Trim": trim,
        "Body Type": model.body,
        "Engine": engine,
        "Transmission": transmission,
        "Drive Type": drive,
        "Fuel Type": cat.fuel_for(engine, trim),
        "Exterior Color": color,
        "Interior Color": rng.choice(cat.INTERIOR_COLORS),
        "Mileage": cat.mileage_value(miles),
    }
    cyl = cat.cylinders(engine)
    if cyl:
        attrs["Number of Cylinders"] = str(cyl)
    if year >= 1981:
        attrs["VIN"] = _vin(rng)
    attrs["Vehicle Title"] = rng.choices(
        ["Clean", "Rebuilt, Rebuildable & Reconstructed", "Salvage"], [92, 6, 2]
    )[0]
    return {k: v for k, v in attrs.items() if v}, miles, "New" if new else "Used"


# --------------------------------------------------------------------------- title

_EXTRAS = [
    "CLEAN TITLE", "Clean Title", "NO RESERVE", "No Reserve", "1-owner", "One Owner", "ONE OWNER",
    "2 OWNERS", "LOW MILES", "Low Miles", "clean carfax", "CLEAN CARFAX", "Loaded", "LOADED", "Must See",
    "MUST SEE!", "Warranty", "WARRANTY", "FINANCING", "SHIPPING", "Best Deal!", "RARE", "Rare",
    "STUNNING!", "PRISTINE!", "Garage Kept", "Non Smoker", "Runs Great", "Well Maintained",
    "Fully Loaded", "Original", "Survivor", "Restored", "Resto Mod", "Project Car", "Needs Work",
    "NEW TIRES", "Just Serviced", "Navigation", "Sunroof", "Leather", "Backup Camera", "Heated Seats",
    "Certified", "Dealer Serviced", "Florida Car", "California Car", "No Accidents", "Excellent Condition",
    "Priced to Sell", "OBO", "Very Original", "Numbers Matching", "Daily Driver", "Custom Wheels",
    "Extended Warranty", "Collector Owned", "Barn Find", "Show Car", "Frame-Off Restoration",
    "Beautiful", "Gorgeous", "Clean", "Mint", "Family Owned", "Low Reserve", "Nice", "Bagged",
    "CALIFORNIA OWNED", "JUST SERVICED", "GPS", "Premium Package", "Tech Package", "Sport Package",
    "CLEAN CAR FAX", "2 OWNERS", "1 OWNER", "FIRM", "RARE!", "LOW MILEAGE", "Low Mileage", "ONE FAMILY OWNED",
    "MUST SELL", "EXTENDED WARRANTY", "NEW BRAKES", "SERVICE RECORDS", "NO ACCIDENTS", "LIKE NEW",
]  # fmt: skip
_PUNCT = ["!!", "!!!", "!", "*", "~"]
_MILE_PREFIX = ["", "", "", "", "just ", "only ", "ONLY ", "JUST ", "Only ", "Low ", "LOW "]
_SEPS = [" ", " ", " ", " ", " ", " ", " ", " - ", " - ", ", ", " / ", " ~ ", " | "]


def _make_surface(rng: random.Random, make: str, alias_p: float) -> str:
    r = rng.random()
    if r < alias_p and cat.MAKE_ALIASES.get(make):
        return rng.choice(cat.MAKE_ALIASES[make])
    if r < alias_p + 0.006 and cat.MAKE_TYPOS.get(make):
        return rng.choice(cat.MAKE_TYPOS[make])
    return _case(rng, make, upper=0.03, lower=0.01)


def _model_surface(rng: random.Random, make: str, model: str, variant_p: float) -> str:
    variants = cat.model_variants(make, model)
    surface = rng.choice(variants[1:]) if len(variants) > 1 and rng.random() < variant_p else model
    return _case(rng, surface, upper=0.03, lower=0.02)


def _drive_surface(rng: random.Random, make: str, drive: str, badge: bool = True) -> str:
    """A drivetrain as sellers write it; `badge=False` keeps to the generic forms (after a trim, where
    a maker badge would belong to the TRIM span)."""
    if badge and drive == "AWD" and cat.MAKE_AWD_NAMES.get(make) and rng.random() < 0.6:
        return rng.choice(cat.MAKE_AWD_NAMES[make])
    forms = cat.DRIVE_SURFACES[drive]
    return forms[0] if rng.random() < 0.7 else rng.choice(forms)


def _surface(rng: random.Random, label: str, value: str, make: str) -> str:
    forms = cat.surfaces(label, value, make)
    return forms[0] if rng.random() < 0.5 else rng.choice(forms)


def _body_surface(rng: random.Random, body: str, make: str, doors: bool) -> str:
    """A body form; `doors` prefers the dealer-feed forms with a door count ("4dr Sedan", "Sedan 4D")."""
    door_forms = cat.door_body_surfaces(body)
    if doors and door_forms:
        r = rng.random()
        return (
            door_forms[0]
            if r < 0.5
            else door_forms[1]
            if r < 0.75 and len(door_forms) > 1
            else rng.choice(door_forms)
        )
    make_names = cat.MAKE_BODY_NAMES.get(make, {}).get(body, ())
    if make_names and rng.random() < 0.3:
        return rng.choice(make_names)
    return body if rng.random() < 0.6 else _surface(rng, "BODY", body, make)


@dataclass(frozen=True)
class TitleMix:
    """Shares of the title grammar's "YYYY Make Model ..." forms.

    The defaults follow the form frequencies of real eBay Motors titles (`bench/sandbox_realism.py`
    counts both); `characteristics` scales how often the seller's free text names engine, gearbox,
    drivetrain, fuel, colour and mileage (1.0: as often as real sellers do).
    """

    stop: float = 0.33  # "2016 BMW 7-Series" and nothing more
    dealer: float = 0.16  # dealer feed: "540i xDrive AWD 4dr Sedan"
    short: float = 0.35  # the trim alone, or one word group ("Camry LE", "Town Car SIGNATURE")
    # the rest: seller free text (trim, characteristics, mileage, remarks, separators, "!!!")
    characteristics: float = 1.0

    def __post_init__(self) -> None:
        if (
            min(self.stop, self.dealer, self.short, self.characteristics) < 0
            or self.stop + self.dealer + self.short > 1
        ):
            raise ValueError(f"title mix shares must be >= 0 and stop + dealer + short <= 1: {self}")


DEFAULT_MIX = TitleMix()


def _trim_piece(rng: random.Random, trim: str) -> tuple[str, str]:
    return _case(rng, trim, upper=0.2, lower=0.04), "TRIM"


def _dealer_pieces(rng: random.Random, attrs: dict[str, str]) -> list[tuple[str, str | None]]:
    """A dealer feed's tail: trim, sometimes a generic drivetrain or engine, then a body with doors."""
    make = attrs["Make"]
    pieces: list[tuple[str, str | None]] = []
    if attrs.get("Trim") and rng.random() < 0.85:
        pieces.append(_trim_piece(rng, attrs["Trim"]))
    if rng.random() < 0.12:
        pieces.append((_drive_surface(rng, make, attrs["Drive Type"], badge=not pieces), "DRIVETRAIN"))
    if rng.random() < 0.07:
        pieces.append((_surface(rng, "ENGINE", attrs["Engine"], make), "ENGINE"))
    if attrs["Model"] != "Sedan":
        body = (_body_surface(rng, attrs["Body Type"], make, doors=rng.random() < 0.85), "BODY")
        if pieces and pieces[0][1] == "TRIM" and len(pieces) == 1 and rng.random() < 0.25:
            pieces.insert(0, body)  # "XJ 4dr Sedan XJL"
        else:
            pieces.append(body)
    return pieces


def _short_pieces(rng: random.Random, attrs: dict[str, str]) -> list[tuple[str, str | None]]:
    """The trim alone ("2007 Toyota Camry LE"), sometimes with one more word group, or one group alone."""
    make = attrs["Make"]
    # no FUEL here: "Insight Hybrid" right after the model reads as the maker's variant, a TRIM
    groups = [("BODY", "Body Type"), ("ENGINE", "Engine"), ("DRIVETRAIN", "Drive Type")]
    pieces: list[tuple[str, str | None]] = []
    if attrs.get("Trim") and rng.random() < 0.88:
        pieces.append(_trim_piece(rng, attrs["Trim"]))
        if rng.random() > 0.12:
            return pieces
    label, name = rng.choices(groups, weights=[3, 1, 1])[0]
    if label == "DRIVETRAIN":
        pieces.append((_drive_surface(rng, make, attrs[name], badge=not pieces), label))
    elif label == "BODY" and attrs["Model"] != "Sedan":
        pieces.append((_body_surface(rng, attrs[name], make, doors=rng.random() < 0.3), label))
    elif label == "ENGINE":
        pieces.append((_surface(rng, label, attrs[name], make), label))
    return pieces


def _suffix_pieces(
    rng: random.Random, attrs: dict[str, str], hide_model: bool, characteristics: float = 1.0
) -> list[tuple[str, str | None]]:
    """The seller's free text after "YYYY Make Model": trim, characteristics, mileage, remarks."""
    make = attrs["Make"]
    k = characteristics
    pieces: list[tuple[str, str | None]] = []
    if attrs.get("Trim") and rng.random() < 0.62:
        pieces.append(_trim_piece(rng, attrs["Trim"]))
    middle: list[tuple[str, str | None]] = []
    if rng.random() < 0.16 and attrs["Model"] not in ("Sedan",):
        middle.append((_body_surface(rng, attrs["Body Type"], make, doors=rng.random() < 0.4), "BODY"))
    if rng.random() < min(1.0, 0.2 * k):
        middle.append((_surface(rng, "ENGINE", attrs["Engine"], make), "ENGINE"))
    if rng.random() < min(1.0, 0.12 * k):
        middle.append(("DRIVE", "DRIVETRAIN"))  # placeholder: generic after the trim, else maybe a badge
    if rng.random() < min(1.0, (0.12 if attrs["Transmission"] == "Manual" else 0.02) * k):
        middle.append((_surface(rng, "TRANSMISSION", attrs["Transmission"], make), "TRANSMISSION"))
    fuel_rate = 0.5 if attrs["Fuel Type"] in ("Hybrid", "Diesel", "Electric") else 0.015
    if rng.random() < min(1.0, fuel_rate * k):
        middle.append((_surface(rng, "FUEL", attrs["Fuel Type"], make), "FUEL"))
    rng.shuffle(middle)
    pieces += [(_case(rng, s, upper=0.15), lab) for s, lab in middle]
    tail: list[tuple[str, str | None]] = []
    if rng.random() < min(1.0, 0.08 * k):
        tail.append((_surface(rng, "COLOR", attrs["Exterior Color"], make), "COLOR"))
    if rng.random() < min(1.0, 0.35 * k):
        tail.append(("MILES", "MILEAGE"))  # placeholder, written below with its prefix word
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2]) if pieces or rng.random() < 0.6 else 0):
        extra = rng.choice(_EXTRAS)
        tail.append((_typo(rng, extra) if rng.random() < 0.03 else extra, None))
    if rng.random() < 0.04:
        tail.append((f"# {rng.choice('ABCHKPT')}{rng.randint(1000, 99999)}", None))
    if not hide_model and rng.random() < 0.04:  # keyword stuffing: a restatement is not annotated again
        tail.append(
            (f"{_make_surface(rng, make, 0.3)} {_model_surface(rng, make, attrs['Model'], 0.5)}", None)
        )
    rng.shuffle(tail)
    return pieces + tail


def _write(
    rng: random.Random, t: _Text, pieces: list[tuple[str, str | None]], attrs: dict[str, str], seller: bool
) -> None:
    """Append the pieces; seller text puts separators between phrases, dealer feeds only spaces."""
    make = attrs["Make"]
    previous: str | None = "MODEL"
    for text, label in pieces:
        sep = rng.choice(_SEPS) if seller and (label is None or rng.random() < 0.3) else " "
        if label == "MILEAGE":
            prefix = rng.choice(_MILE_PREFIX)
            if prefix:
                t.add(prefix.rstrip(), sep=sep)
            miles_text = _case(rng, _surface(rng, "MILEAGE", attrs["Mileage"], make), upper=0.3)
            t.add(miles_text, "MILEAGE", sep=" " if prefix else sep)
            previous = label
            continue
        if label == "FUEL" and previous in ("MODEL", "TRIM") and sep == " ":
            sep = rng.choice([" - ", ", "])  # "Touring Hybrid" would read as one TRIM ("a hybrid variant")
        if label == "DRIVETRAIN" and text == "DRIVE":
            badge_ok = not (previous == "TRIM" and sep == " ")  # a badge right after the trim is TRIM
            text = _case(rng, _drive_surface(rng, make, attrs["Drive Type"], badge=badge_ok), upper=0.1)
        t.add(text, label, sep=sep)
        previous = label
        if label == "DRIVETRAIN" and text.upper() == "4MATIC" and rng.random() < 0.3:
            t.text += "®"  # as Mercedes dealers write it ("S 580 4MATIC®"); not part of the span
        if label == "TRIM" and ("AMG" in text or text.upper().endswith("4MATIC")) and rng.random() < 0.2:
            t.text += "®"


def _title(
    rng: random.Random, attrs: dict[str, str], specifics: dict[str, str], mix: TitleMix = DEFAULT_MIX
) -> _Text:
    t = _Text()
    make, model = attrs["Make"], attrs["Model"]
    structured = rng.random() < 0.145
    other_model = specifics.get("Model") == "Other"
    other_make = specifics.get("Make") == "Other Makes"
    if structured:
        # eBay's "Make: Model Trim" form: names exactly as the item specifics hold them.
        if other_make:
            t.add("Other Makes")
        else:
            t.add(make, "MAKE")
        t.text += ":"
        if other_model:
            t.add("Other")
        else:
            t.add(model, "MODEL")
        r = rng.random()
        if attrs.get("Trim") and (r < 0.25 or (other_model and r < 0.6)):
            t.add(_case(rng, attrs["Trim"], upper=0.1), "TRIM")
        elif 0.86 < r <= 0.93 and model != "Sedan":  # "Jaguar: X-Type Sedan"
            t.add(_body_surface(rng, attrs["Body Type"], make, doors=False), "BODY")
        if r > 0.93:
            pieces = [
                p for p in _suffix_pieces(rng, attrs, True, mix.characteristics)[:3] if p[1] != "MILEAGE"
            ]
            _write(rng, t, pieces, attrs, seller=False)
        return t
    # "YYYY Make Model free text": eBay writes year, make and model from the specifics, the seller the rest.
    t.add(attrs["Year"], "YEAR")
    if rng.random() > 0.012:
        t.add(_make_surface(rng, make, 0.045), "MAKE")
    if other_model:
        t.add("Other")  # eBay's placeholder: the seller's model name follows in the trim slot, as TRIM
    elif rng.random() > 0.01:
        t.add(_model_surface(rng, make, model, 0.12), "MODEL")
    r = rng.random()
    if r < mix.stop:
        return t  # real titles often stop at the model
    if r < mix.stop + mix.dealer:
        _write(rng, t, _dealer_pieces(rng, attrs), attrs, seller=False)
        return t
    if r < mix.stop + mix.dealer + mix.short:
        _write(rng, t, _short_pieces(rng, attrs), attrs, seller=False)
        return t
    _write(rng, t, _suffix_pieces(rng, attrs, other_model, mix.characteristics), attrs, seller=True)
    if rng.random() < 0.15:
        t.add(rng.choice(_PUNCT), sep="" if rng.random() < 0.5 else " ")
    return t


# --------------------------------------------------------------------------- description

_OPENERS = [
    "For sale is my {YEAR} {MAKE} {MODEL}.",
    "Up for auction: a {YEAR} {MAKE} {MODEL} {TRIM}.",
    "You are bidding on a {YEAR} {MAKE} {MODEL} {TRIM} in {COLOR}.",
    "Selling our family's {YEAR} {MAKE} {MODEL} – a great car.",
    "This {YEAR} {MODEL} by {MAKE} has been garage kept its whole life.",
    "Offered here is a beautiful {COLOR} {YEAR} {MAKE} {MODEL} {BODY}.",
]
_SPECS = [
    "It has {MILEAGE} on the clock.",
    "Odometer shows {MILEAGE}.",
    "Powered by the {ENGINE} engine with a smooth {TRANSMISSION} transmission.",
    "The {ENGINE} pulls strong and the {TRANSMISSION} shifts perfectly.",
    "{DRIVETRAIN} makes it great in every season.",
    "Equipped with {DRIVETRAIN} and the {ENGINE}.",
    "Exterior is {COLOR} with no dents; the {BODY} body is straight.",
    "Runs on {FUEL}, very economical.",
    "{TRIM} package with all the options.",
]
_FILLERS = [
    "Clean title in hand.",
    "Non-smoker, no pets.",
    "Cold A/C, heat works.",
    "Recent oil change, new brakes and battery.",
    "Minor scratches on the rear bumper – see photos.",
    "Full service records from the dealer (receipts on file).",
    "Interior is in excellent condition, no rips or tears.",
    "Tires have about 80% tread left.",
    "Both keys and the owner's manual are included.",
    "Vehicle is sold as-is, where-is, with no warranty.",
    "Buyer is responsible for pickup or shipping.",
    "Please ask any questions before bidding.",
    "Priced to sell – no lowballers please.",
    "Detailed inside and out – looks showroom fresh.",
    "Comes with the Carfax report, window sticker and a résumé of every service.",
    "Financing available for qualified buyers.",
]
_SLOT_LABEL = {
    "YEAR": "Year", "MAKE": "Make", "MODEL": "Model", "TRIM": "Trim", "BODY": "Body Type",
    "ENGINE": "Engine", "TRANSMISSION": "Transmission", "DRIVETRAIN": "Drive Type", "FUEL": "Fuel Type",
    "COLOR": "Exterior Color", "MILEAGE": "Mileage",
}  # fmt: skip


def _fill(rng: random.Random, t: _Text, template: str, attrs: dict[str, str]) -> None:
    """Append one sentence, writing each {SLOT} as a surface of its value and recording the span."""
    t.add("", sep="")
    if t.text:
        t.text += " "
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        t.text += before
        value = attrs[_SLOT_LABEL[slot]]
        if slot == "MAKE":
            surface = _make_surface(rng, value, 0.1)
        elif slot == "MODEL":
            surface = _model_surface(rng, attrs["Make"], value, 0.2)
        elif slot == "DRIVETRAIN":
            surface = _drive_surface(rng, attrs["Make"], value)
        elif slot == "YEAR":
            surface = value
        elif slot == "BODY":
            surface = _surface(rng, slot, value, attrs["Make"]).lower() if rng.random() < 0.5 else value
        else:
            surface = _surface(rng, slot, value, attrs["Make"])
        t.add(surface, slot, sep="")
    t.text += rest


def _usable(template: str, attrs: dict[str, str]) -> bool:
    slots = [part.partition("}")[0] for part in template.split("{")[1:]]
    return all(attrs.get(_SLOT_LABEL[s]) for s in slots)


def _description(rng: random.Random, attrs: dict[str, str]) -> _Text:
    t = _Text()
    _fill(rng, t, rng.choice([o for o in _OPENERS if _usable(o, attrs)]), attrs)
    specs = [s for s in _SPECS if _usable(s, attrs)]
    for template in rng.sample(specs, k=min(len(specs), rng.randint(1, 3))):
        _fill(rng, t, template, attrs)
    for filler in rng.sample(_FILLERS, k=rng.randint(1, 4)):
        _fill(rng, t, filler, attrs)
    return t


# --------------------------------------------------------------------------- listing


def _specifics(rng: random.Random, attrs: dict[str, str]) -> dict[str, str]:
    """eBay's item specifics in eBay's order, with optional ones missing at random."""
    shown: dict[str, str] = {}
    for name in SPECIFIC_ORDER:
        if name not in attrs:
            continue
        if name not in _REQUIRED_SPECIFICS and rng.random() < 0.12:
            continue
        shown[name] = attrs[name]
    r = rng.random()
    if r < 0.035:
        shown["Model"] = "Other"  # the seller picked eBay's "Other" and wrote the model in the title
    elif r < 0.045:
        shown["Make"] = "Other Makes"
    return shown


def _listing(rng: random.Random, used_ids: set[str], mix: TitleMix) -> SandboxListing:
    while True:
        item_id = str(rng.randrange(110000000000, 410000000000))
        if item_id not in used_ids:
            used_ids.add(item_id)
            break
    model = _pick_model(rng)
    attrs, miles, condition = _attributes(rng, model)
    specifics = _specifics(rng, attrs)
    if specifics["Model"] == "Other":
        # The seller who picks eBay's "Other" model names the car in the Trim specific ("Other Fleetline",
        # "Other 350E 4MATIC"): the trim slot of the title, so TRIM, as the guidelines read it.
        trim = attrs.get("Trim", "")
        attrs["Trim"] = (
            f"{model.name} {trim}" if trim and trim != model.name and rng.random() < 0.4 else model.name
        )
        if "Trim" in specifics:
            specifics["Trim"] = attrs["Trim"]
    title = _title(rng, attrs, specifics, mix)
    description = _description(rng, attrs)
    city, state = rng.choice(_LOCATIONS)
    return SandboxListing(
        item_id=item_id,
        title=title.text,
        title_spans=title.spans,
        price=_price(rng, attrs["Make"], int(attrs["Year"]), miles),
        currency="USD",
        location=f"{city}, {state}, United States",
        condition=condition,
        specifics=specifics,
        description=description.text,
        description_spans=description.spans,
        attributes=attrs,
    )


def label_value(listing: SandboxListing, label: str) -> str | None:
    """The true value a span of `label` in this listing was written from (None if the label has none)."""
    for name, lab in _LABEL_OF.items():
        if lab == label:
            return listing.attributes.get(name)
    return None
