# ruff: noqa: E501  (the name tables below keep one make per line)
"""The car catalogue derived from NHTSA vPIC, read the way eBay's item specifics read cars.

Why here: the sandbox (scraper), pre-annotation and linking all need one list of real makes, models,
years and trims; the data file ships inside carner (built by bench/build_vpic_catalogue.py, see
data/NOTICE-vpic.md), so nothing is fetched at install or run time.

vPIC names cars its own way; eBay's Model field is often a family where vPIC lists the variant
(BMW "528i" is eBay Model "5-Series", Trim "528i"; Mercedes "C300" is "C-Class"; Bentley "Turbo" is
sold as "Turbo R"). `ebay_reading` maps vPIC names to eBay's reading and `parse_model` reads what a
seller wrote the same way; both are the mapping between the two naming schemes.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "vpic.json.gz"
# vPIC decodes 17-character VINs: model years before 1981 are outside what it can know.
FIRST_VPIC_YEAR = 1981

# Makes whose vPIC spelling differs from eBay's make name.
EBAY_MAKE_NAMES: dict[str, str] = {
    "KARMA": "Karma", "MINI": "Mini", "SAAB": "Saab", "smart": "Smart", "RIVIAN": "Rivian",
    "MERKUR": "Merkur",
    "American Motors": "AMC", "Land Rover Santana": "Santana", "Th!nk": "Think", "RUF": "Ruf",
}  # fmt: skip
# How sellers shorten or misspell makes; keys are eBay make names. vPIC has no such data.
MAKE_ALIASES: dict[str, tuple[str, ...]] = {
    "Chevrolet": ("Chevy", "Chev", "Chevrolete", "Cheverolet", "Chevorlet"),
    "Volkswagen": ("VW", "Volkswagon", "Volkwagen"),
    "Mercedes-Benz": ("Mercedes", "Benz", "Merc", "MB", "Mercedez", "Mercedez-Benz", "Mercedes-Bens"),
    "Rolls-Royce": ("Rolls", "RR"),
    "Land Rover": ("Landrover",),
    "Alfa Romeo": ("Alfa",),
    "Aston Martin": ("Aston",),
    "Oldsmobile": ("Olds", "Oldsmobil"),
    "Cadillac": ("Caddy", "Cadilac", "Caddilac"),
    "Jaguar": ("Jag",),
    "Lamborghini": ("Lambo", "Lamborgini"),
    "Subaru": ("Subie",),
    "Porsche": ("Porche",),
    "Hyundai": ("Hyundia", "Hundai"),
    "Mitsubishi": ("Mitsubushi",),
    "Chrysler": ("Chrystler",),
    "Maserati": ("Maseratti",),
    "Toyota": ("Toyata",),
    "Citroen": ("Citroën",),
    "Skoda": ("Škoda",),
    "AMC": ("American Motors",),
}
# Makes sold where vPIC (a US register) has no VIN schema for them, or few US years; names only.
EXTRA_MAKES = ("Skoda", "Seat", "Dacia", "Lada", "Trabant", "Vauxhall", "Wartburg", "Pierce-Arrow", "Packard",
               "Studebaker", "Nash", "Hudson", "Kaiser", "Edsel", "DeSoto", "Willys", "Scion", "Opel", "Renault",
               "Peugeot", "Citroen", "Fiat", "Lancia", "Daewoo", "Rover", "Saab", "Smart", "Daihatsu",
               "Alfa Romeo", "Holden", "Proton", "SsangYong", "Tata")  # fmt: skip
# Models sold outside the US that vPIC cannot know (European market), by make: sellers name them
# without the make ("Corsa C 1.2", "Golf IV"), so they point to the make. Hand-kept; extend as needed.
OTHER_MARKET_MODELS: dict[str, tuple[str, ...]] = {
    "Opel": ("Corsa", "Astra", "Vectra", "Zafira", "Omega", "Kadett", "Insignia", "Meriva", "Agila", "Tigra",
             "Senator", "Calibra", "Manta", "Signum", "Frontera", "Ascona", "Rekord", "Combo", "Vivaro", "Adam",
             "Mokka", "Antara", "Karl"),
    "Renault": ("Clio", "Megane", "Mégane", "Twingo", "Laguna", "Scenic", "Scénic", "Kangoo", "Espace", "Modus",
                "Safrane", "Kadjar", "Captur", "Zoe", "Trafic", "Master", "Vel Satis", "Koleos"),
    "Peugeot": ("Partner", "Boxer", "Expert", "Bipper"),
    "Citroen": ("Xsara", "Saxo", "Berlingo", "Picasso", "Xantia", "Jumpy", "Jumper", "Nemo", "DS3", "C1", "C2",
                "C3", "C4", "C5", "C8", "2CV", "Visa", "Evasion"),
    "Fiat": ("Punto", "Panda", "Stilo", "Bravo", "Brava", "Doblo", "Multipla", "Seicento", "Cinquecento", "Uno",
             "Ducato", "Croma", "Idea", "Marea", "Tipo", "Qubo", "Barchetta", "Scudo"),
    "Volkswagen": ("Polo", "Lupo", "Fox", "Sharan", "Touran", "Caravelle", "Kaefer", "Käfer", "Bora", "Up",
                   "Multivan", "Transporter", "T3", "T4", "T5", "T6", "Scirocco", "Corrado", "Vento", "Santana", "Amarok", "Derby"),
    "Seat": ("Ibiza", "Leon", "León", "Cordoba", "Toledo", "Arosa", "Alhambra", "Altea", "Exeo", "Mii", "Marbella"),
    "Skoda": ("Octavia", "Fabia", "Felicia", "Superb", "Roomster", "Yeti", "Citigo", "Rapid", "Favorit"),
    "Smart": ("Fortwo", "Forfour", "ForTwo"),
    "Dacia": ("Logan", "Sandero", "Duster", "Lodgy", "Dokker"),
    "Lada": ("Niva", "Samara", "Kalina", "Priora"),
    "Daewoo": ("Kalos", "Matiz", "Lanos", "Nubira", "Tacuma", "Nexia", "Espero"),
    "Lancia": ("Ypsilon", "Delta", "Musa", "Thesis", "Lybra", "Phedra", "Kappa", "Dedra", "Thema"),
    "Toyota": ("Aygo", "Avensis", "Auris", "Verso", "Starlet", "Carina", "Urban Cruiser", "Picnic"),
    "Nissan": ("Micra", "Almera", "Primera", "Note", "Qashqai", "Terrano", "Navara", "Sunny", "Patrol"),
    "Ford": ("Fiesta", "Ka", "Mondeo", "Galaxy", "Fusion", "Sierra", "Scorpio", "Puma", "Granada", "Kuga",
             "C-Max", "S-Max", "Orion", "Capri", "Taunus", "Tourneo"),
    "Mercedes-Benz": ("Vito", "Viano", "Citan", "Vaneo", "Sprinter"),
    "Mitsubishi": ("Colt", "Carisma", "Space Star", "Pajero", "Space Wagon", "Grandis"),
    "Hyundai": ("Getz", "i10", "i20", "i30", "i40", "ix35", "Atos", "Matrix", "Trajet", "Lantra", "Coupe"),
    "Kia": ("Picanto", "Ceed", "cee'd", "Carens", "Carnival", "Shuma", "Venga", "Pride"),
    "Daihatsu": ("Cuore", "Sirion", "Terios", "Charade", "Materia", "Move", "Applause", "YRV", "Feroza"),
    "Suzuki": ("Swift", "Alto", "Jimny", "Wagon R", "Ignis", "Splash", "Liana", "Baleno", "Vitara"),
    "Mazda": ("Demio", "Premacy", "Xedos", "121", "323", "626"),
    "Honda": ("Jazz", "Logo", "Stream", "FR-V", "HR-V", "Concerto"),
    "Rover": ("Freelander", "Metro", "Streetwise"),
    "Chevrolet": ("Matiz", "Kalos", "Lacetti", "Nubira", "Captiva", "Spark", "Aveo", "Cruze", "Orlando"),
    "Trabant": ("601", "P601"),
    "Volvo": ("V40", "V50", "V70", "S40", "S60", "S80", "XC90", "XC60", "850", "940", "740", "245", "240"),
}  # fmt: skip
# vPIC models sold under another eBay Model value (per make): vPIC name -> eBay Model.
EBAY_MODEL_NAMES: dict[str, dict[str, str]] = {
    "Bentley": {"Turbo": "Turbo R"},
    "Chrysler": {"300": "300 Series", "Town and Country": "Town & Country"},
    "Mazda": {"MX-5": "MX-5 Miata"},
    "Lincoln": {"MKZ": "MKZ/Zephyr", "Zephyr": "MKZ/Zephyr"},
    "Mercedes-Benz": {"ML-Class": "M-Class"},
    "Chevrolet": {"Silverado": "Silverado 1500"},
    "GMC": {"Sierra": "Sierra 1500"},
}
# Families whose vPIC "models" are eBay trims: BMW "528i" -> "5-Series", Mercedes "C300" -> "C-Class",
# Lexus "LS 400" -> "LS". Each rule: make, pattern over the model text, eBay Model template.
_MB_CLASSES = "CLA|CLK|CLS|CLE|GLA|GLB|GLC|GLE|GLK|GLS|SLK|SLC|SLR|SLS|SL|CL|GL|ML|A|B|C|E|G|M|R|S"
_LEXUS = "CT|ES|GS|GX|HS|IS|LC|LS|LX|NX|RC|RX|RZ|SC|TX|UX"
# Stricter forms that point to the make when no make is written ("320d" is a BMW; "E36" is a BMW
# chassis code, not a Mercedes E-Class).
STRICT_FAMILY = {"BMW": r"[1-8]\d\d(?:i|d|e|xi|ci|is|li|ti|td|tds|csi|ix|xd|il)", "Mercedes-Benz": rf"(?:{_MB_CLASSES}) ?\d{{3}}[a-z]{{0,3}}",
                 "Lexus": rf"(?:{_LEXUS}) ?\d{{3}}[a-z]?"}  # fmt: skip
FAMILY_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("BMW", re.compile(r"^(?:ActiveHybrid ?|Alpina ?B|B)?(?P<n>[1-8])(?:\d\d|\b)(?!\d)", re.I), "{n}-Series"),
    ("BMW", re.compile(r"^M(?P<n>[2-8])\d\d[a-z]*$"), "{n}-Series"),  # M340i, M550i: M Performance trims
    ("Mercedes-Benz", re.compile(rf"^(?:AMG ?)?(?P<c>{_MB_CLASSES}) ?-?(?P<n>\d{{2,3}})(?:[a-z]|\b)", re.I),
     "{c}-Class"),
    ("Mercedes-Benz", re.compile(r"^(?P<n>190|[2-5][0-9]0|600)(?:[A-Z]{0,4}\b)"), "{n}-Series"),
    ("Lexus", re.compile(rf"^(?P<f>{_LEXUS}) ?(?P<n>\d{{3}}[a-z]?(?: ?L)?)$", re.I), "{f}"),
)  # fmt: skip


_NOT_KEY = re.compile(r"[^0-9a-z]")


def norm(text: str) -> str:
    """Comparison key for names: case, spaces, hyphens and punctuation do not matter ("F-150" == "f150")."""
    return _NOT_KEY.sub("", text.casefold().replace("ë", "e").replace("š", "s"))


@dataclass(frozen=True)
class VpicModel:
    """One vPIC model with the model years and attributes vPIC records for it."""

    id: int
    make_id: int
    make: str
    name: str
    years: tuple[tuple[int, int], ...]
    types: tuple[str, ...]
    attrs: dict[str, dict[str, tuple[int, int]]] = field(hash=False, compare=False)

    def has_year(self, year: int) -> bool:
        return any(a <= year <= b for a, b in self.years)

    @property
    def model_years(self) -> int:
        """How many model years vPIC knows: a rough measure of how much of it is on the road."""
        return sum(b - a + 1 for a, b in self.years)

    def values(self, field_name: str, year: int | None = None) -> list[str]:
        """Values of one attribute ("trim", "body", "drive", "fuel", "engine", ...), of one year."""
        got = self.attrs.get(field_name, {})
        return [v for v, (a, b) in got.items() if year is None or a <= year <= b]


@dataclass(frozen=True)
class ModelReading:
    """A model as eBay's item specifics would give it, with the vPIC models behind it."""

    make: str
    model: str
    trim: str | None
    vpic: tuple[VpicModel, ...]


def ebay_make_name(vpic_name: str) -> str:
    return EBAY_MAKE_NAMES.get(vpic_name, vpic_name)


def ebay_reading(make: str, vpic_name: str) -> tuple[str, str | None]:
    """eBay's (Model, Trim) for a vPIC model: ("BMW", "528i") -> ("5-Series", "528i")."""
    mapped = EBAY_MODEL_NAMES.get(make, {}).get(vpic_name)
    if mapped:
        return mapped, None
    family = family_of(make, vpic_name)
    if family:
        return family
    return vpic_name, None


def family_of(make: str, text: str) -> tuple[str, str | None] | None:
    """(eBay Model, Trim) when `text` is a variant designation of a family ("C300" -> ("C-Class", "C300"))."""
    for rule_make, pattern, template in FAMILY_RULES:
        if rule_make != make:
            continue
        m = pattern.match(text.strip())
        if m:
            groups = {k: (v.upper() if k in {"c", "f"} else v) for k, v in m.groupdict().items()}
            model = template.format(**groups)
            trim = re.sub(r",\s*", " ", text.strip())
            if make == "Lexus":
                trim = m["n"]
            return model, (trim if norm(trim) != norm(model) else None)
    return None


class Catalogue:
    """The vPIC catalogue with fast lookups by make, alias and model (build once through `load`)."""

    def __init__(self, raw: dict) -> None:
        self.source: dict = raw["source"]
        self.make_names: dict[int, str] = {int(k): ebay_make_name(v) for k, v in raw["makes"].items()}
        self.models: list[VpicModel] = []
        for row in raw["models"]:
            attrs = {k: {v: (ab[0], ab[1]) for v, ab in vals.items()}
                     for k, vals in row.items() if isinstance(vals, dict)}  # fmt: skip
            self.models.append(VpicModel(
                id=row["id"], make_id=row["make_id"], make=self.make_names[row["make_id"]], name=row["name"],
                years=tuple((a, b) for a, b in row["years"]), types=tuple(row["types"]), attrs=attrs,
            ))  # fmt: skip
        self.by_make: dict[str, list[VpicModel]] = {}
        for m in self.models:
            self.by_make.setdefault(m.make, []).append(m)
        self.make_ids: dict[str, int] = {}
        for make_id, name in sorted(self.make_names.items()):
            self.make_ids.setdefault(name, make_id)
        self._makes: dict[str, str] = {}
        for name in [*self.make_ids, *EXTRA_MAKES]:
            self._makes.setdefault(norm(name), name)
        for name, aliases in MAKE_ALIASES.items():
            for alias in aliases:
                self._makes.setdefault(norm(alias), name)
        # per make: normalised eBay Model (or vPIC name) -> reading
        self._models: dict[str, dict[str, ModelReading]] = {}
        for make, models in self.by_make.items():
            index: dict[str, ModelReading] = {}
            families: dict[str, list[VpicModel]] = {}
            for m in models:
                model, _ = ebay_reading(make, m.name)
                families.setdefault(model, []).append(m)
            for model, members in families.items():
                index.setdefault(norm(model), ModelReading(make, model, None, tuple(members)))
            for m in models:
                model, trim = ebay_reading(make, m.name)
                index.setdefault(norm(m.name), ModelReading(make, model, trim, (m,)))
            self._models[make] = index
        self._other_market: set[tuple[str, str]] = set()
        for make, names in OTHER_MARKET_MODELS.items():
            index = self._models.setdefault(make, {})
            for name in names:
                index.setdefault(norm(name), ModelReading(make, name, None, ()))
                self._other_market.add((make, norm(name)))
        self._model_makes: dict[str, list[str]] = {}
        for make, index in self._models.items():
            for key in index:
                self._model_makes.setdefault(key, []).append(make)

    @property
    def makes(self) -> list[str]:
        """eBay names of the makes vPIC lists with at least one car, truck or MPV model."""
        return sorted(self.by_make)

    def make(self, text: str) -> str | None:
        """eBay's make name for a make as written ("Chevy" -> "Chevrolet", "alfa_romeo" -> "Alfa Romeo")."""
        return self._makes.get(norm(text.replace("_", " ")))

    def vpic_make_id(self, make: str) -> int | None:
        return self.make_ids.get(make)

    def model(self, make: str, text: str) -> ModelReading | None:
        """Read a model as written under a make: "528i" -> 5-Series/528i, "C 300" -> C-Class/C 300."""
        index = self._models.get(make, {})
        key = norm(text)
        if key in index:
            return index[key]
        family = family_of(make, text)
        if family:
            found = index.get(norm(family[0]))
            return ModelReading(make, family[0], family[1], found.vpic if found else ())
        return None

    def named(self, make: str, text: str) -> ModelReading | None:
        """The model whose eBay or vPIC name this text spells exactly (no family rule)."""
        return self._models.get(make, {}).get(norm(text))

    def makes_of_model(self, text: str) -> list[str]:
        """Makes that have a model written this way (to find the make of "Golf 1.6" or "Impala SS")."""
        makes = list(self._model_makes.get(norm(text), ()))
        if re.search(r"[a-z]", text, re.I) and not text.strip().isalpha():  # "320d", "C 320", "A140"
            for make in ("BMW", "Mercedes-Benz", "Lexus"):
                found = family_of(make, text)
                compact = text.strip() if make != "BMW" else text.replace(" ", "")  # "520 d"
                if found and make not in makes and re.fullmatch(STRICT_FAMILY[make], compact, re.I):
                    makes.append(make)
        return makes

    def other_market(self, make: str, text: str) -> bool:
        """Whether this make's model is one of the names kept for markets vPIC does not cover."""
        return (make, norm(text)) in self._other_market

    def exists(self, make: str, model: str, year: int | None) -> bool | None:
        """Whether vPIC knows this make/model (in this model year); None where vPIC cannot know.

        None: the make has no vPIC models (a European-only make) or the year predates 17-digit VINs.
        """
        if make not in self.by_make:
            return None
        if year is not None and year < FIRST_VPIC_YEAR:
            return None
        reading = self.model(make, model)
        if reading is not None and not reading.vpic and (make, norm(reading.model)) in self._other_market:
            return None  # sold where vPIC does not look
        if reading is None or not reading.vpic:
            return False
        return year is None or any(m.has_year(year) for m in reading.vpic)


@cache
def load(path: Path = DATA_FILE) -> Catalogue:
    """The shipped catalogue, read once per process (~0.3 s)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Catalogue(json.load(fh))
