"""Dataset export: annotated texts → the research's four npy files, spaCy DocBins and `dataset.json`.

The core (`build_dataset`) is a pure function over an iterable of annotated records, so the database,
the sandbox generator or a test can feed it; `build_dataset_from_db` is the thin database adapter.

Why the split is careful: car titles repeat a lot ("2015 Toyota Camry LE" in many ads). A split by
row would put the same text on both sides and overstate every score, so texts are first
de-duplicated after normalisation (casefold, whitespace collapsed; gold outranks distant), then
whole listings go to one side, and the result is checked: no test text appears in training.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from carner.annotation.labels import Span, order_labels
from carner.training.identity import dataset_id_of, file_checksums, test_id_of
from carner.training.npy_io import (
    NPY_FILES,
    DatasetError,
    finish_interrupted_swap,
    replace_files_as_one,
    spans_to_json,
    str_array_bytes,
)
from carner.training.provenance import provenance

log = logging.getLogger(__name__)

MANIFEST_NAME = "dataset.json"
DOCBIN_FILES = {"train": "train.spacy", "test": "test.spacy"}
# Sources below "gold": a human-checked (doccano) or generator-known annotation beats these.
WEAK_SOURCES = {"distant": 0, "model": 0}
GOLD_RANK = 1
MAX_ERRORS_SHOWN = 20


class AnnotatedRecord(Protocol):
    """What the export reads (`annotation.store.AnnotatedText` has this shape)."""

    listing_key: str
    field: str
    text: str
    spans: Sequence[Span]
    source: str


@dataclass(frozen=True)
class Record:
    """A plain annotated text (for tests, the sandbox adapter and hand-made inputs)."""

    listing_key: str
    field: str
    text: str
    spans: Sequence[Span]
    source: str = "gold"


@dataclass
class DatasetConfig:
    """Split and export settings; `source`/`fields` only matter when reading the database."""

    test_size: float = 0.5
    seed: int = 0
    source: str = "gold"
    fields: tuple[str, ...] = ("title",)
    alignment_mode: str = "expand"
    lang: str = "en"


@dataclass
class DatasetManifest:
    """What `build_dataset` wrote: paths, counts per split and label, hashes, alignment report."""

    out_dir: str
    files: dict[str, str]
    labels: list[str]
    counts: dict[str, dict[str, Any]]
    seed: int
    test_size: float
    source: str
    dataset_id: str  # training.identity.dataset_id of the files written
    test_id: str  # training.identity.test_id: evaluations with the same test_id compare
    input_records: int
    duplicates_dropped: int
    conflicting_duplicates: int
    alignment: dict[str, dict[str, Any]]
    lang: str = "en"
    alignment_mode: str = "expand"
    file_hashes: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


def normalise_text(text: str) -> str:
    """The key under which two texts count as the same: casefolded, whitespace collapsed."""
    return " ".join(text.casefold().split())


def source_rank(source: str) -> int:
    return WEAK_SOURCES.get(source, GOLD_RANK)


def validate_records(records: Sequence[AnnotatedRecord]) -> None:
    """Collect every bad record (index, listing, reason) and raise once, before anything is written."""
    errors = []
    for i, rec in enumerate(records):
        where = f"record {i} (listing {rec.listing_key!r}, field {rec.field!r})"
        if not isinstance(rec.text, str):
            errors.append(f"{where}: text is {type(rec.text).__name__}, not str")
            continue
        for j, span in enumerate(rec.spans):
            try:
                start, end, label = span
            except (TypeError, ValueError):
                errors.append(f"{where}: span {j} is {span!r}; expected (start, end, label)")
                continue
            if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str) and label):
                errors.append(f"{where}: span {j} is {span!r}; expected (int, int, non-empty str)")
            elif not 0 <= start < end <= len(rec.text):
                errors.append(
                    f"{where}: span {j} {list(span)} out of range for a text of {len(rec.text)} chars"
                )
    if errors:
        shown = "\n  ".join(errors[:MAX_ERRORS_SHOWN])
        more = f"\n  ... and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise DatasetError(f"{len(errors)} bad annotated record(s):\n  {shown}{more}")


def deduplicate(records: Sequence[AnnotatedRecord]) -> tuple[list[AnnotatedRecord], int, int]:
    """One record per normalised text: the best-ranked source wins, then the first seen.

    Returns (kept records in input order, duplicates dropped, duplicates whose spans disagreed
    with the kept one at the same rank — worth a look by an annotator).
    """
    best: dict[str, int] = {}
    conflicts = 0
    for i, rec in enumerate(records):
        key = normalise_text(rec.text)
        j = best.get(key)
        if j is None:
            best[key] = i
            continue
        kept = records[j]
        if source_rank(rec.source) > source_rank(kept.source):
            best[key] = i
        elif source_rank(rec.source) == source_rank(kept.source) and sorted(map(tuple, rec.spans)) != sorted(
            map(tuple, kept.spans)
        ):
            conflicts += 1
    keep = sorted(best.values())
    return [records[i] for i in keep], len(records) - len(keep), conflicts


def split_by_listing(
    records: Sequence[AnnotatedRecord], test_size: float, seed: int
) -> tuple[list[AnnotatedRecord], list[AnnotatedRecord]]:
    """Whole listings go to one side; listings are shuffled by `seed` and fill the test side first."""
    if not 0.0 < test_size < 1.0:
        raise DatasetError(f"test_size must be between 0 and 1 (exclusive), got {test_size}")
    groups: dict[str, list[AnnotatedRecord]] = {}
    for rec in records:
        groups.setdefault(str(rec.listing_key), []).append(rec)
    keys = sorted(groups)
    order = np.random.default_rng(seed).permutation(len(keys))
    n_total = len(records)
    target = round(test_size * n_total)
    if n_total >= 2:
        target = min(max(target, 1), n_total - 1)
    else:
        target = 0  # a single text can only train (a one-line doccano export): the test split is empty
    train: list[AnnotatedRecord] = []
    test: list[AnnotatedRecord] = []
    for idx in order:
        group = groups[keys[idx]]
        (test if len(test) < target else train).extend(group)
    return train, test


def assert_no_leak(train: Sequence[AnnotatedRecord], test: Sequence[AnnotatedRecord]) -> None:
    """The promise of the split, checked on the result: no test text or listing is in training."""
    train_texts = {normalise_text(r.text) for r in train}
    leaked = [r.text for r in test if normalise_text(r.text) in train_texts]
    if leaked:
        raise AssertionError(f"{len(leaked)} test text(s) also in training, e.g. {leaked[0]!r}")
    train_listings = {str(r.listing_key) for r in train}
    shared = {str(r.listing_key) for r in test} & train_listings
    if shared:
        raise AssertionError(f"{len(shared)} listing(s) on both sides, e.g. {sorted(shared)[0]!r}")


def _split_counts(recs: Sequence[AnnotatedRecord]) -> dict[str, Any]:
    labels = Counter(label for r in recs for _, _, label in r.spans)
    return {
        "texts": len(recs),
        "listings": len({str(r.listing_key) for r in recs}),
        "spans": sum(labels.values()),
        "labels": {lab: labels[lab] for lab in order_labels(set(labels))},
        "sources": dict(Counter(r.source for r in recs)),
    }


def build_dataset(
    records: Iterable[AnnotatedRecord],
    out_dir: Path | str,
    test_size: float = DatasetConfig.test_size,
    seed: int = DatasetConfig.seed,
    *,
    source: str = "given",
    alignment_mode: str = "expand",
    lang: str = "en",
) -> DatasetManifest:
    """Validate, de-duplicate, split by listing, then write npy files, DocBins and `dataset.json`.

    Nothing is written unless every record is valid; all files (and `dataset.json`) replace the
    previous set as one unit, so a kill never leaves new texts beside old labels.
    """
    from carner.training.spacy_docs import blank_nlp, make_docbin

    out_dir = Path(out_dir)
    records = list(records)
    validate_records(records)
    kept, dropped, conflicts = deduplicate(records)
    if not kept:
        raise DatasetError("no annotated texts")
    if len(kept) < 2:
        log.warning("only 1 distinct annotated text: it goes to train, the test split is empty")
    train, test = split_by_listing(kept, test_size, seed)
    assert_no_leak(train, test)
    log.info(
        "dataset: %d records, %d duplicates dropped (%d with conflicting spans), %d train / %d test",
        len(records),
        dropped,
        conflicts,
        len(train),
        len(test),
    )

    nlp = blank_nlp(lang)
    payloads: dict[str, bytes] = {}
    alignment: dict[str, dict[str, Any]] = {}
    for split, recs in (("train", train), ("test", test)):
        texts = [r.text for r in recs]
        spans = [sorted((int(s), int(e), str(lab)) for s, e, lab in r.spans) for r in recs]
        payloads[NPY_FILES[("text", split)]] = str_array_bytes(texts)
        payloads[NPY_FILES[("labels", split)]] = str_array_bytes([spans_to_json(s) for s in spans])
        docbin, stats = make_docbin(texts, spans, nlp=nlp, alignment_mode=alignment_mode)
        payloads[DOCBIN_FILES[split]] = docbin.to_bytes()
        alignment[split] = stats.as_dict()
        if stats.misaligned or stats.dropped:
            log.warning(
                "%s: %d of %d spans not on spaCy token boundaries (%d snapped, %d dropped from %s); "
                "npy files keep them unchanged",
                split,
                stats.misaligned,
                stats.spans,
                stats.snapped,
                stats.dropped,
                DOCBIN_FILES[split],
            )

    labels = order_labels({lab for r in kept for _, _, lab in r.spans})
    manifest = DatasetManifest(
        out_dir=str(out_dir),
        files={name: str(out_dir / name) for name in payloads},
        labels=labels,
        counts={"train": _split_counts(train), "test": _split_counts(test)},
        seed=seed,
        test_size=test_size,
        source=source,
        dataset_id=dataset_id_of(payloads),
        test_id=test_id_of(payloads),
        input_records=len(records),
        duplicates_dropped=dropped,
        conflicting_duplicates=conflicts,
        alignment=alignment,
        lang=lang,
        alignment_mode=alignment_mode,
        file_hashes=file_checksums(payloads),
        provenance=provenance(),
    )
    # npy files, DocBins and dataset.json replace the previous set as one unit: a kill leaves the
    # old set or (finished by the next reader) the new one, never a mix.
    replace_files_as_one(out_dir, {**payloads, MANIFEST_NAME: manifest.to_json().encode("utf-8")})
    return manifest


def records_from_db(session: Any, source: str = "gold", fields: tuple[str, ...] = ("title",)) -> list[Any]:
    """The annotated texts in the database (gold, distant or both, gold winning per text)."""
    from carner.annotation.store import iter_annotated_texts

    return list(iter_annotated_texts(session, source=source, fields=fields))


def build_dataset_from_db(
    session: Any, out_dir: Path | str, cfg: DatasetConfig | None = None
) -> DatasetManifest:
    """Thin adapter: read the database's annotations and export them."""
    cfg = cfg or DatasetConfig()
    records = records_from_db(session, source=cfg.source, fields=cfg.fields)
    if not records:
        raise DatasetError(
            f"no {cfg.source} annotations for fields {', '.join(cfg.fields)} in the database; "
            "pre-annotate or import annotations first"
        )
    return build_dataset(
        records,
        out_dir,
        cfg.test_size,
        cfg.seed,
        source=cfg.source,
        alignment_mode=cfg.alignment_mode,
        lang=cfg.lang,
    )


def records_from_listings(listings: Iterable[Any]) -> list[Record]:
    """Gold title records straight from sandbox listings (`SandboxListing.title_spans` are known true)."""
    return [
        Record(str(item.item_id), "title", item.title, [tuple(s) for s in item.title_spans], "gold")
        for item in listings
    ]


def read_manifest(data_dir: Path | str) -> dict[str, Any] | None:
    if Path(data_dir).is_dir():
        finish_interrupted_swap(Path(data_dir))
    path = Path(data_dir) / MANIFEST_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
