"""Character spans → spaCy DocBins, aligned to spaCy's own tokenizer, with every misalignment counted.

Why from raw text: docs built from pre-split words do not match what spaCy's tokenizer produces at
inference (`£9500` → `£` `9500`), and the model then learns boundaries it will never see. So docs
come from `nlp.make_doc(text)` and spans are placed with `doc.char_span`; a span that does not fall
on token boundaries is snapped (`alignment_mode="expand"` by default) and counted, and one that
cannot be placed (whitespace only, overlapping another after snapping) is counted as dropped, with
examples, never lost silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carner.annotation.labels import Span
from carner.training.artifacts import atomic_write_bytes

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import DocBin

MAX_EXAMPLES = 10


@dataclass
class AlignmentStats:
    """How the character spans of one split fared on spaCy's tokens."""

    texts: int = 0
    spans: int = 0
    aligned: int = 0
    misaligned: int = 0  # not on token boundaries (strict alignment failed)
    snapped: int = 0  # misaligned, placed after snapping to token boundaries
    dropped: int = 0  # could not be placed at all (or overlapped another span)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def note(self, index: int, text: str, span: Span, outcome: str) -> None:
        if len(self.examples) < MAX_EXAMPLES:
            start, end, label = span
            self.examples.append(
                {"index": index, "span": [start, end, label], "text": text[start:end], "outcome": outcome}
            )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def blank_nlp(lang: str = "en") -> Language:
    """The tokenizer-only pipeline whose tokens training docs must match (same as the trained model's)."""
    import spacy

    return spacy.blank(lang)


def make_docbin(
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    nlp: Language | None = None,
    alignment_mode: str = "expand",
) -> tuple[DocBin, AlignmentStats]:
    """A DocBin of `nlp.make_doc(text)` docs with entities from `spans`, plus alignment counts."""
    from spacy.tokens import DocBin

    if len(texts) != len(spans):
        raise ValueError(f"{len(texts)} texts but {len(spans)} span lists")
    nlp = nlp or blank_nlp()
    stats = AlignmentStats()
    db = DocBin(store_user_data=False)
    for i, (text, text_spans) in enumerate(zip(texts, spans, strict=True)):
        doc = nlp.make_doc(text)
        ents = []
        taken: set[int] = set()
        for span in sorted(text_spans):
            start, end, label = span
            stats.spans += 1
            ent = doc.char_span(start, end, label=label, alignment_mode="strict")
            if ent is None:
                stats.misaligned += 1
                # spaces at the edges are never part of an entity: trim them before snapping
                chunk = text[start:end]
                s = start + len(chunk) - len(chunk.lstrip())
                e = end - (len(chunk) - len(chunk.rstrip()))
                ent = doc.char_span(s, e, label=label, alignment_mode=alignment_mode) if s < e else None
                if ent is None or not ent.text.strip():
                    stats.dropped += 1
                    stats.note(i, text, span, "dropped: no token inside")
                    continue
                outcome = "snapped"
            elif not ent.text.strip():
                stats.dropped += 1
                stats.note(i, text, span, "dropped: whitespace only")
                continue
            else:
                outcome = "aligned"
            tokens = set(range(ent.start, ent.end))
            if tokens & taken:
                stats.dropped += 1
                stats.note(i, text, span, f"dropped: overlaps another span ({outcome})")
                continue
            taken |= tokens
            ents.append(ent)
            if outcome == "snapped":
                stats.snapped += 1
                stats.note(i, text, span, f"snapped to {ent.text!r}")
            else:
                stats.aligned += 1
        doc.set_ents(ents)
        db.add(doc)
        stats.texts += 1
    return db, stats


def write_docbin(
    path: Path,
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    nlp: Language | None = None,
    alignment_mode: str = "expand",
) -> AlignmentStats:
    """Build and atomically write one `.spacy` file; returns its alignment counts."""
    db, stats = make_docbin(texts, spans, nlp=nlp, alignment_mode=alignment_mode)
    atomic_write_bytes(Path(path), db.to_bytes())
    return stats
