"""A SIMULATED annotator for the demo: corrects an exported JSONL from the sandbox generator's gold.

No human is in the loop of `carner demo`; this stands in for one, clearly labelled. It writes what
doccano would export after a person fixed every pre-annotation (doccano's own `id` and `Comments`
keys included, so the import path is the real one). Only sandbox listings have gold.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carner.annotation.doccano import write_jsonl_atomic
from carner.annotation.store import normalise_spans

log = logging.getLogger(__name__)

SIMULATED_ANNOTATOR = "simulated-annotator"


@dataclass(frozen=True)
class Corrections:
    """What an annotator does to turn a pre-filled text into gold: spans added, removed, changed.

    A changed span is a pre-filled span that overlaps a gold span but has other boundaries or another
    label: one edit in doccano (drag or relabel), not a removal plus an addition.
    """

    added: int = 0
    removed: int = 0
    changed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.removed + self.changed

    def __add__(self, other: Corrections) -> Corrections:
        return Corrections(
            self.added + other.added, self.removed + other.removed, self.changed + other.changed
        )


def corrections(prefilled: Iterable[Sequence[Any]], gold: Iterable[Sequence[Any]]) -> Corrections:
    """The edits from `prefilled` spans to `gold` spans; exact matches cost nothing.

    Left-over pre-filled and gold spans are paired greedily in text order when they overlap (a change);
    unpaired pre-filled spans are removals, unpaired gold spans additions.
    """
    before = set(normalise_spans(prefilled))
    after = set(normalise_spans(gold))
    wrong = sorted(before - after)
    missing = sorted(after - before)
    changed = 0
    for span in wrong:
        match = next((g for g in missing if g[0] < span[1] and span[0] < g[1]), None)
        if match is not None:
            missing.remove(match)
            changed += 1
    return Corrections(len(missing), len(wrong) - changed, changed)


@dataclass
class SimulationResult:
    file: Path
    lines: int
    corrected: int  # lines whose spans the simulated annotator changed
    unchanged: int
    spans_added: int
    spans_removed: int
    skipped_unknown: int  # listings the sandbox does not know (no gold)
    skipped_text_mismatch: int  # stored text differs from the generated one (offsets would not fit)


def simulate_annotator(export_file: Path, out: Path, listings: Sequence[Any]) -> SimulationResult:
    """Replace each exported line's spans by the gold spans of its sandbox listing and field.

    `listings` are `scraper.sandbox.generator.SandboxListing`s (item_id, title, title_spans,
    description, description_spans). Lines without gold are left out of the output and counted.
    """
    by_id = {x.item_id: x for x in listings}
    rows: list[dict[str, Any]] = []
    result = SimulationResult(Path(out), 0, 0, 0, 0, 0, 0, 0)
    for number, line in enumerate(Path(export_file).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{export_file}:{number}: bad JSON: {exc.msg}") from None
        listing = by_id.get(str(row.get("listing_id")))
        if listing is None:
            result.skipped_unknown += 1
            continue
        field_name = row.get("field", "title")
        text = getattr(listing, field_name, None)
        gold = getattr(listing, f"{field_name}_spans", None)
        if text != row.get("text") or gold is None:
            result.skipped_text_mismatch += 1
            continue
        before = set(map(tuple, row.get("label", [])))
        after = set(normalise_spans(gold))
        result.spans_added += len(after - before)
        result.spans_removed += len(before - after)
        if before == after:
            result.unchanged += 1
        else:
            result.corrected += 1
        keys = {k: v for k, v in row.items() if k not in ("label", "text")}
        rows.append(
            {
                "id": number,
                "text": row["text"],
                **keys,
                "label": [list(s) for s in sorted(after)],
                "Comments": [],
            }
        )
    result.lines = len(rows)
    write_jsonl_atomic(Path(out), rows)
    log.info("simulated annotator corrected %d of %d lines -> %s", result.corrected, result.lines, out)
    return result
