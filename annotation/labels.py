"""The label schema: which entity labels carner knows and which eBay item specifics carry them.

eBay's item specifics ("Make", "Model", ...) tell which words of a title are which entity; this
mapping is the bridge between the page and the NER labels. The set is data, not code: callers may
pass their own `LabelSchema`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Span = tuple[int, int, str]
Token = tuple[int, int]

# carner's word split, shared by the models (`training.tokens`) and catalogue snapping: car codes stay
# whole words ("F-150", "320d", "3.0L", "S-Line", "9,500").
WORD_RE = re.compile(r"\w+(?:[-'.,/+]\w+)*|[^\w\s]", re.UNICODE)


def word_tokens(text: str) -> list[Token]:
    """Character offsets `(start, end)` of the words of `text`."""
    return [(m.start(), m.end()) for m in WORD_RE.finditer(text)]
"""A character span `(start, end, label)` with Python `str` (code point) offsets, end exclusive."""

DEFAULT_SPECIFIC_TO_LABEL: dict[str, str] = {
    "Make": "MAKE",
    "Model": "MODEL",
    "Year": "YEAR",
    "Trim": "TRIM",
    "Body Type": "BODY",
    "Engine": "ENGINE",
    "Transmission": "TRANSMISSION",
    "Drive Type": "DRIVETRAIN",
    "Fuel Type": "FUEL",
    "Exterior Color": "COLOR",
    "Mileage": "MILEAGE",
}

LABEL_DESCRIPTIONS: dict[str, str] = {
    "MAKE": "Car Make",
    "MODEL": "Car Model",
    "YEAR": "Model year",
    "TRIM": "Trim level",
    "BODY": "Body type",
    "ENGINE": "Engine",
    "TRANSMISSION": "Transmission",
    "DRIVETRAIN": "Drive type",
    "FUEL": "Fuel type",
    "COLOR": "Exterior colour",
    "MILEAGE": "Mileage",
}


@dataclass(frozen=True)
class LabelSchema:
    """Labels in display order (headline labels first) and the item specifics that carry them."""

    specific_to_label: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SPECIFIC_TO_LABEL))

    @property
    def labels(self) -> list[str]:
        seen: dict[str, None] = {}
        for label in self.specific_to_label.values():
            seen.setdefault(label, None)
        return list(seen)

    def label_for(self, specific_name: str) -> str | None:
        """Label carried by an item-specific name (case-insensitive), or None."""
        wanted = specific_name.strip().casefold()
        for name, label in self.specific_to_label.items():
            if name.casefold() == wanted:
                return label
        return None

    def describe(self, label: str) -> str:
        return LABEL_DESCRIPTIONS.get(label, label.title())


DEFAULT_SCHEMA = LabelSchema()
LABELS: list[str] = DEFAULT_SCHEMA.labels


def order_labels(labels: set[str] | list[str]) -> list[str]:
    """Sort labels with the schema's order first (MAKE, MODEL, ...) and unknown ones alphabetically."""
    known = [label for label in LABELS if label in labels]
    return known + sorted(set(labels) - set(known))
