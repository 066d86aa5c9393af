"""How good is pre-annotation? Entity-level precision/recall per label, on sandbox gold and real titles.

Sandbox: the generator knows the true spans of every title, and pre-annotation sees only the item
specifics the page shows (some missing, "Other" models), as on eBay. Real titles (`../shared/data`):
eBay Motors titles give the make exactly ("Make: Model ..." titles are built by eBay from the item
specifics; "YYYY Make Model ..." titles give year and make by position), and the German Kleinanzeigen
ads give brand/model columns without spans, so there only the found rate is measured.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from carner.annotation.labels import DEFAULT_SCHEMA, LabelSchema, Span, order_labels
from carner.annotation.preannotate import preannotate

REAL_TITLES_DIR = Path("data") / "car-titles"  # under the shared directory
SEDANS_CSV = "ebay_motors_sedans_info.csv"
KLEINANZEIGEN_CSV = "autos_ebay-kleinanzeigen_dataquest-sample.csv"

# eBay Motors make names (how eBay's "Make" item specific spells them), for reading real titles.
EBAY_MAKES = (
    "Acura",
    "Alfa Romeo",
    "AMC",
    "Aston Martin",
    "Audi",
    "Bentley",
    "BMW",
    "Buick",
    "Cadillac",
    "Chevrolet",
    "Chrysler",
    "Datsun",
    "DeLorean",
    "DeSoto",
    "Dodge",
    "Ferrari",
    "Fiat",
    "Fisker",
    "Ford",
    "Genesis",
    "GMC",
    "Honda",
    "Hudson",
    "Hummer",
    "Hyundai",
    "Infiniti",
    "International Harvester",
    "Isuzu",
    "Jaguar",
    "Jeep",
    "Karma",
    "Kia",
    "Lamborghini",
    "Land Rover",
    "Lexus",
    "Lincoln",
    "Lotus",
    "Lucid",
    "Maserati",
    "Maybach",
    "Mazda",
    "McLaren",
    "Mercedes-Benz",
    "Mercury",
    "MINI",
    "Mitsubishi",
    "Nash",
    "Nissan",
    "Oldsmobile",
    "Packard",
    "Pierce-Arrow",
    "Plymouth",
    "Polestar",
    "Pontiac",
    "Porsche",
    "Ram",
    "Rivian",
    "Rolls-Royce",
    "Saab",
    "Saturn",
    "Scion",
    "Shelby",
    "Smart",
    "Studebaker",
    "Subaru",
    "Suzuki",
    "Tesla",
    "Toyota",
    "Triumph",
    "Volkswagen",
    "Volvo",
)


@dataclass
class LabelScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class CheckReport:
    """Scores of one data set: `scores` (exact span match) or `found` rates where no spans exist."""

    name: str
    texts: int
    scores: dict[str, LabelScore] = field(default_factory=dict)
    found: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (texts found, texts given)
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "texts": self.texts,
            "note": self.note,
            "labels": {
                label: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "support": s.support,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                }
                for label, s in self.scores.items()
            },
            "found": {
                label: {"found": f, "given": g, "rate": f / g if g else None}
                for label, (f, g) in self.found.items()
            },
        }


def score(
    pairs: Iterable[tuple[Sequence[Span], Sequence[Span]]], name: str, labels: Iterable[str] = ()
) -> CheckReport:
    """Entity-level exact-match counts per label over `(predicted, gold)` span lists."""
    report = CheckReport(name, 0, {label: LabelScore() for label in labels})
    for predicted, gold in pairs:
        report.texts += 1
        pred_set, gold_set = set(map(tuple, predicted)), set(map(tuple, gold))
        for span in pred_set | gold_set:
            s = report.scores.setdefault(span[2], LabelScore())
            if span in pred_set and span in gold_set:
                s.tp += 1
            elif span in pred_set:
                s.fp += 1
            else:
                s.fn += 1
    report.scores = {label: report.scores[label] for label in order_labels(set(report.scores))}
    return report


def check_sandbox(n: int = 500, seed: int = 0, schema: LabelSchema = DEFAULT_SCHEMA) -> CheckReport:
    """Pre-annotation of `n` sandbox titles (from the specifics shown) against the generator's gold."""
    from carner.scraper.sandbox.generator import generate_listings

    pairs = [(preannotate(x.title, x.specifics, schema), x.title_spans) for x in generate_listings(n, seed)]
    return score(pairs, f"sandbox titles (n={n}, seed={seed})", schema.labels)


def _make_at(text: str, start: int) -> tuple[str, int] | None:
    """The eBay make written at `start` of a real title (longest name or nickname), and its length."""
    from carner.annotation.variants import MAKE_ALIASES

    forms: list[tuple[str, str]] = [(m, m) for m in EBAY_MAKES]
    for make in EBAY_MAKES:
        forms += [(alias, make) for alias in MAKE_ALIASES.get(make.casefold(), ())]
    best = None
    for surface, make in forms:
        end = start + len(surface)
        if text[start:end].casefold() == surface.casefold() and (end == len(text) or not text[end].isalnum()):
            if best is None or len(surface) > best[1]:
                best = (make, len(surface))
    return best


@dataclass(frozen=True)
class SilverTitle:
    """A real eBay Motors title with MAKE (and YEAR) gold read from its structure, not annotated."""

    title: str
    make: str  # the eBay make name (a nickname in the title reads as its make)
    make_span: Span
    year_span: Span | None  # only "YYYY Make Model" titles have one


SEDANS_TITLE_COLUMN = "Car Model"


def read_sedan_rows(path: Path) -> list[str]:
    """Every title of the eBay Motors CSV in file order (outer spaces stripped): row i is title i."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if SEDANS_TITLE_COLUMN not in (reader.fieldnames or []):
            raise ValueError(f"{path}: no {SEDANS_TITLE_COLUMN!r} column")
        return [(row[SEDANS_TITLE_COLUMN] or "").strip() for row in reader]


def read_sedan_titles(path: Path) -> tuple[list[SilverTitle], int]:
    """"Make: Model ..." and "YYYY Make Model ..." titles, and how many had no recognisable make."""
    rows, skipped = [], 0
    for title in read_sedan_rows(path):
        structured = re.match(r"^([^:]{2,40}):\s", title)
        year = re.match(r"^((?:19|20)\d\d)\s+", title)
        if structured and structured.group(1) != "Other Makes":
            make = structured.group(1)
            rows.append(SilverTitle(title, make, (0, len(make), "MAKE"), None))
        elif year and (found := _make_at(title, year.end())):
            make, length = found
            rows.append(SilverTitle(title, make, (year.end(), year.end() + length, "MAKE"), (0, 4, "YEAR")))
        else:
            skipped += 1
    return rows, skipped


def real_sedans(path: Path, schema: LabelSchema = DEFAULT_SCHEMA) -> CheckReport | None:
    """eBay Motors sedan titles: MAKE (and YEAR) gold from the title's structure.

    Only the first make mention is gold, so a second mention counts as a false positive: the
    precision shown is a lower bound.
    """
    if not path.is_file():
        return None
    titles, skipped = read_sedan_titles(path)
    pairs = []
    for t in titles:
        specifics = {"Make": t.make} if t.year_span is None else {"Make": t.make, "Year": t.title[:4]}
        gold = [t.make_span] if t.year_span is None else [t.year_span, t.make_span]
        predicted = [s for s in preannotate(t.title, specifics, schema) if s[2] in {"MAKE", "YEAR"}]
        pairs.append((predicted, gold))
    report = score(pairs, f"real eBay Motors titles ({path.name})")
    report.note = f"{skipped} titles without a recognisable make skipped; precision is a lower bound"
    return report


def real_kleinanzeigen(
    path: Path, limit: int | None = None, schema: LabelSchema = DEFAULT_SCHEMA
) -> CheckReport | None:
    """German ads with brand/model columns (no spans): how often pre-annotation finds the given value."""
    if not path.is_file():
        return None
    report = CheckReport(f"real Kleinanzeigen titles ({path.name})", 0)
    found = {"MAKE": [0, 0], "MODEL": [0, 0]}
    with path.open(encoding="latin-1", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if limit is not None and i >= limit:
                break
            title = row["name"].replace("_", " ").strip()
            brand = row["brand"].replace("_", " ").strip()
            model = (row.get("model") or "").replace("_", " ").strip()
            specifics = {}
            if brand and brand != "sonstige autos":
                specifics["Make"] = brand
            if model and model != "andere":
                specifics["Model"] = model
            labels = {s[2] for s in preannotate(title, specifics, schema)}
            report.texts += 1
            for label, name in (("MAKE", "Make"), ("MODEL", "Model")):
                if name in specifics:
                    found[label][1] += 1
                    found[label][0] += label in labels
    report.found = {label: (f, g) for label, (f, g) in found.items()}
    report.note = "no gold spans: share of titles where the given brand/model was found"
    return report


def check_real(shared_dir: Path, kleinanzeigen_limit: int | None = None) -> list[CheckReport]:
    """Every real-title report whose file exists under `shared_dir/data/car-titles`."""
    base = Path(shared_dir) / REAL_TITLES_DIR
    reports = [
        real_sedans(base / SEDANS_CSV),
        real_kleinanzeigen(base / KLEINANZEIGEN_CSV, kleinanzeigen_limit),
    ]
    return [r for r in reports if r is not None]
