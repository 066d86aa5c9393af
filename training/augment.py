"""Data augmentation for distillation, after Tang et al. 2019 ("Distilling task-specific knowledge
from BERT into simple neural networks"): many plausible variants of each training title, which the
teacher then labels, so a small student sees far more (teacher-labelled) text than the gold set.

Three operators, applied per variant:
- masking: each word, with probability `p_mask`, becomes the teacher's mask token (`[MASK]`), which
  teaches the student to use the context around a word, not only the word;
- same-label substitution: each entity, with probability `p_pos`, is replaced by another value of the
  same label seen in training (a MODEL by another MODEL) — the NER analogue of Tang's same-POS swap;
- n-gram shuffling: with probability `p_ng`, the order of a random window of 2–5 units (a unit is a
  word, or a whole entity so a window never cuts one) is shuffled.
A word gets at most one of mask/substitution, as in the paper. Variants are written to disk as they
are made (JSONL, one `{"text", "label", "source"}` object a line), de-duplicated by a hash of the text,
so 200k variants never sit in a Python list.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from carner.annotation.labels import Span
from carner.training.artifacts import atomic_file, write_json_atomic
from carner.training.provenance import provenance
from carner.training.tokens import MASK_TOKEN, Token, model_words

log = logging.getLogger(__name__)

AUGMENTED_FILE = "augmented.jsonl"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class AugmentConfig:
    """Tang et al.'s defaults: p_mask = p_pos = 0.1, p_ng = 0.25, 50 variants per text (4k -> 200k)."""

    n_iter: int = 50
    p_mask: float = 0.1
    p_pos: float = 0.1
    p_ng: float = 0.25
    ng_max: int = 5
    seed: int = 0
    mask_token: str = MASK_TOKEN
    include_original: bool = True
    max_tries_factor: int = 3  # give up on a text after n_iter * factor draws (short texts repeat)
    # Rare-label oversampling: a text carrying a label with at most `rare_label_share` x the spans of
    # the most frequent label gets n_iter * rare_label_factor variants (1 = off), so the students see
    # FUEL / TRANSMISSION / COLOR values in more contexts. See `variants_per_text`.
    rare_label_factor: int = 1
    rare_label_share: float = 0.1

    def __post_init__(self) -> None:
        for name in ("p_mask", "p_pos", "p_ng"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        if self.p_mask + self.p_pos > 1.0:
            raise ValueError("p_mask + p_pos must be <= 1 (a word gets at most one of them)")
        if self.n_iter < 0 or self.ng_max < 2 or self.max_tries_factor < 1:
            raise ValueError("n_iter must be >= 0, ng_max >= 2 and max_tries_factor >= 1")
        if self.rare_label_factor < 1 or not 0.0 <= self.rare_label_share <= 1.0:
            raise ValueError("rare_label_factor must be >= 1 and rare_label_share in [0, 1]")


@dataclass
class AugmentManifest:
    path: str
    n_input: int
    n_written: int
    n_original: int
    n_duplicates: int
    n_masked_words: int
    n_substituted: int
    n_shuffled: int
    seconds: float
    config: dict = field(default_factory=dict)
    values_per_label: dict[str, int] = field(default_factory=dict)


@dataclass
class _Unit:
    """A word, or a whole entity (with its own words, for masking inside it)."""

    text: str
    label: str | None
    words: list[Token]
    substituted: bool = False


@dataclass
class _Segmented:
    gaps: list[str]  # len(units) + 1 separators, kept in place when units move
    units: list[_Unit]


def validate_spans(text: str, spans: list[Span], where: str) -> list[Span]:
    """Sorted spans, or a ValueError naming `where` when one is out of range, empty or overlapping."""
    ordered = sorted((int(s), int(e), str(lab)) for s, e, lab in spans)
    prev_end = 0
    for s, e, lab in ordered:
        if not 0 <= s < e <= len(text):
            raise ValueError(f"{where}: span [{s}, {e}, {lab!r}] outside the text (length {len(text)})")
        if s < prev_end:
            raise ValueError(f"{where}: span [{s}, {e}, {lab!r}] overlaps the previous span")
        prev_end = e
    return ordered


def segment(text: str, spans: list[Span], mask_token: str = MASK_TOKEN) -> _Segmented:
    """Split a text into units (entities whole, other words one by one) and the gaps between them."""
    gaps: list[str] = []
    units: list[_Unit] = []
    pos = 0

    def add(start: int, end: int, label: str | None) -> None:
        nonlocal pos
        gaps.append(text[pos:start])
        piece = text[start:end]
        words = model_words(piece, mask_token) if label else [(0, len(piece))]
        units.append(_Unit(piece, label, words))
        pos = end

    for s, e, label in spans:
        base = pos  # `add` moves pos; offsets below are relative to where this stretch starts
        for ws, we in model_words(text[base:s], mask_token):
            add(base + ws, base + we, None)
        add(s, e, label)
    base = pos
    for ws, we in model_words(text[base:], mask_token):
        add(base + ws, base + we, None)
    gaps.append(text[pos:])
    return _Segmented(gaps, units)


def join(seg: _Segmented) -> tuple[str, list[Span]]:
    """Text and spans of a segmented title (spans recomputed from where each entity now lies)."""
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    for gap, unit in zip(seg.gaps, seg.units, strict=False):
        parts.append(gap)
        pos += len(gap)
        if unit.label:
            spans.append((pos, pos + len(unit.text), unit.label))
        parts.append(unit.text)
        pos += len(unit.text)
    parts.append(seg.gaps[-1])
    return "".join(parts), spans


def collect_values(texts: Iterable[str], spans: Iterable[list[Span]]) -> dict[str, list[str]]:
    """Distinct surface strings per label in the training data (sorted, so a seed gives one output)."""
    values: dict[str, set[str]] = {}
    for text, text_spans in zip(texts, spans, strict=True):
        for s, e, label in text_spans:
            values.setdefault(label, set()).add(text[s:e])
    return {label: sorted(v) for label, v in values.items()}


def rare_labels(spans: Iterable[list[Span]], share: float) -> set[str]:
    """Labels with at most `share` x the span count of the most frequent label."""
    counts: dict[str, int] = {}
    for text_spans in spans:
        for _, _, label in text_spans:
            counts[label] = counts.get(label, 0) + 1
    top = max(counts.values(), default=0)
    return {label for label, n in counts.items() if n <= share * top}


def variants_per_text(cfg: AugmentConfig, spans: list[list[Span]]) -> list[int]:
    """How many variants each text gets: n_iter, times rare_label_factor for texts with a rare label.

    Computed over all training texts, so the sequential and sharded paths agree.
    """
    if cfg.rare_label_factor == 1:
        return [cfg.n_iter] * len(spans)
    rare = rare_labels(spans, cfg.rare_label_share)
    return [cfg.n_iter * (cfg.rare_label_factor if any(lab in rare for _, _, lab in s) else 1) for s in spans]


class Augmenter:
    """The three operators over one segmented text; each is usable alone (tests check them one by one)."""

    def __init__(self, cfg: AugmentConfig, values: dict[str, list[str]]) -> None:
        self.cfg = cfg
        self.values = values
        self.counts = {"masked": 0, "substituted": 0, "shuffled": 0}

    def substitute(self, seg: _Segmented, rng: random.Random, p: float) -> None:
        for unit in seg.units:
            if unit.label is None or rng.random() >= p:
                continue
            choices = self.values.get(unit.label, [])
            if len(choices) < 2:
                continue
            new = rng.choice(choices)
            while new == unit.text:
                new = rng.choice(choices)
            unit.text, unit.words, unit.substituted = new, model_words(new, self.cfg.mask_token), True
            self.counts["substituted"] += 1

    def mask(self, seg: _Segmented, rng: random.Random, p: float) -> None:
        mask = self.cfg.mask_token
        for unit in seg.units:
            if unit.substituted:
                continue
            hit = [(s, e) for s, e in unit.words if rng.random() < p and unit.text[s:e] != mask]
            if not hit:
                continue
            text = unit.text
            for s, e in reversed(hit):
                text = text[:s] + mask + text[e:]
            self.counts["masked"] += len(hit)
            # An entity with a masked word no longer shows a training value: it is no gold span any
            # more; the teacher decides what the masked text is when it labels the variant.
            unit.text, unit.label, unit.words = text, None, model_words(text, mask)

    def shuffle(self, seg: _Segmented, rng: random.Random, p: float) -> None:
        # A 1-gram has no order to shuffle, so n is drawn from 2..ng_max (the paper's 1..5 minus no-ops).
        if len(seg.units) < 2 or rng.random() >= p:
            return
        n = rng.randint(2, min(self.cfg.ng_max, len(seg.units)))
        start = rng.randrange(len(seg.units) - n + 1)
        window = seg.units[start : start + n]
        if len({u.text for u in window}) < 2:
            return
        order = list(range(n))
        while order == sorted(order):
            rng.shuffle(order)
        seg.units[start : start + n] = [window[i] for i in order]
        # Units that touched ("Custom," -> "Custom" + ",") would glue to new neighbours ("CustomBase"),
        # merging words and moving entity boundaries: separate them with a space inside the window.
        for g in range(max(1, start), min(len(seg.units), start + n + 1)):
            if seg.gaps[g] == "":
                seg.gaps[g] = " "
        self.counts["shuffled"] += 1

    def variant(self, text: str, spans: list[Span], rng: random.Random) -> tuple[str, list[Span]]:
        seg = segment(text, spans, self.cfg.mask_token)
        self.substitute(seg, rng, self.cfg.p_pos)
        # Masking draws from p_mask / (1 - p_pos) over the words left, so each word's overall chances
        # are p_pos (entities) and p_mask, exclusive, as in the paper.
        self.mask(seg, rng, self.cfg.p_mask / max(1e-9, 1.0 - self.cfg.p_pos))
        self.shuffle(seg, rng, self.cfg.p_ng)
        return join(seg)


def _text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


def iter_augmented(
    cfg: AugmentConfig,
    texts: list[str],
    spans: list[list[Span]],
    values: dict[str, list[str]] | None = None,
    augmenter: Augmenter | None = None,
) -> Iterator[tuple[str, list[Span], int, bool]]:
    """Yield `(text, spans, source_index, is_original)`, unique texts only, deterministic for a seed.

    Each source text has its own RNG seeded from (seed, index), so the output does not depend on
    chunking or on the texts before it. Pass `augmenter` to read its operator counters afterwards.
    """
    if len(texts) != len(spans):
        raise ValueError(f"{len(texts)} texts but {len(spans)} span lists")
    clean = [validate_spans(t, s, f"text {i}") for i, (t, s) in enumerate(zip(texts, spans, strict=True))]
    values = values if values is not None else collect_values(texts, clean)
    aug = augmenter or Augmenter(cfg, values)
    counts = variants_per_text(cfg, clean)
    seen: set[bytes] = set()  # 8-byte digests: ~10 MB for 200k texts, not the texts themselves
    for i, (text, text_spans) in enumerate(zip(texts, clean, strict=True)):
        if cfg.include_original:
            key = _text_key(text)
            if key not in seen:
                seen.add(key)
                yield text, text_spans, i, True
        for new_text, new_spans in _new_variants(aug, cfg, i, text, text_spans, seen, counts[i]):
            yield new_text, new_spans, i, False


def _new_variants(
    aug: Augmenter,
    cfg: AugmentConfig,
    i: int,
    text: str,
    text_spans: list[Span],
    seen: set[bytes],
    n_iter: int | None = None,
) -> Iterator[tuple[str, list[Span]]]:
    """Up to `n_iter` (default cfg.n_iter) variants of text `i` not in `seen` (which it extends).

    Each text draws from its own seed, which depends on its position only, so the sequential and
    the sharded paths agree.
    """
    n_iter = cfg.n_iter if n_iter is None else n_iter
    rng = random.Random(f"{cfg.seed}:{i}")
    made = 0
    for _ in range(n_iter * cfg.max_tries_factor):
        if made >= n_iter:
            break
        new_text, new_spans = aug.variant(text, text_spans, rng)
        key = _text_key(new_text)
        if key in seen:
            continue
        seen.add(key)
        made += 1
        yield new_text, new_spans


def augment(
    cfg: AugmentConfig,
    texts: list[str],
    spans: list[list[Span]],
    out_dir: Path,
    *,
    progress: bool = True,
) -> AugmentManifest:
    """Write `out_dir/augmented.jsonl` (+ `manifest.json`): the originals and their unique variants."""
    from contextlib import nullcontext

    from carner.common.progress import nothing, progress_bar

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / AUGMENTED_FILE
    started = time.perf_counter()
    values = collect_values(texts, spans)
    aug = Augmenter(cfg, values)
    counts = {"written": 0, "original": 0, "dups": 0}
    last_source = -1
    with (
        atomic_file(target, "w", encoding="utf-8") as fh,
        progress_bar("augment", total=len(texts)) if progress else nullcontext(nothing) as advance,
    ):
        for text, text_spans, source, original in iter_augmented(cfg, texts, spans, values, aug):
            fh.write(
                json.dumps(
                    {"text": text, "label": [list(s) for s in text_spans], "source": source},
                    ensure_ascii=False,
                )
            )
            fh.write("\n")
            counts["written"] += 1
            counts["original"] += int(original)
            if source != last_source:
                advance(source - last_source)
                last_source = source
        advance(len(texts) - 1 - last_source)
    expected = sum(variants_per_text(cfg, spans)) + len(texts) * int(cfg.include_original)
    manifest = AugmentManifest(
        path=str(target),
        n_input=len(texts),
        n_written=counts["written"],
        n_original=counts["original"],
        n_duplicates=expected - counts["written"],
        n_masked_words=aug.counts["masked"],
        n_substituted=aug.counts["substituted"],
        n_shuffled=aug.counts["shuffled"],
        seconds=round(time.perf_counter() - started, 3),
        config=asdict(cfg),
        values_per_label={label: len(v) for label, v in values.items()},
    )
    write_json_atomic(out_dir / MANIFEST_FILE, {**asdict(manifest), "provenance": provenance()})
    log.info(
        "augment: %d texts -> %d lines in %s (%.1f s)",
        len(texts),
        manifest.n_written,
        target,
        manifest.seconds,
    )
    return manifest


def read_augmented(path: Path) -> Iterator[tuple[str, list[Span]]]:
    """Stream `(text, spans)` from an augmented JSONL file (or any doccano-style JSONL), line-checked."""
    path = Path(path)
    if path.is_dir():
        path = path / AUGMENTED_FILE
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                text = obj["text"]
                spans = [(int(s), int(e), str(lab)) for s, e, lab in obj.get("label", [])]
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{lineno}: not an augmented text line ({exc})") from exc
            if not isinstance(text, str):
                raise ValueError(f"{path}:{lineno}: field 'text' is not a string")
            yield text, spans
