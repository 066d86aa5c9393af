"""The doccano sequence-labelling JSONL bridge: export tasks, import (validated, all-or-nothing) gold.

Export lines carry the same keys on every line (doccano rejects a whole upload otherwise):
`{"text", "label": [[s, e, L], ...], "listing_id", "field", "text_hash"}`. Import accepts doccano's
`label` lists and `entities` objects, drops doccano's own `id`/`Comments` (stale after a re-import) and
joins back on listing_id + field + text hash. Every bad line is collected as `FILE:LINE: reason` and
nothing is written unless the whole input is good.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from carner.annotation.labels import DEFAULT_SCHEMA, LabelSchema, Span
from carner.annotation.store import (
    FIELDS,
    current_spans_by_task,
    listing_text,
    normalise_spans,
    store_annotation,
    text_hash,
)
from carner.db.models import AnnotationTask, Listing
from sqlalchemy import select
from sqlalchemy.orm import Session

from carner.common.files import atomic_file

log = logging.getLogger(__name__)

META_KEYS = ("listing_id", "field", "text_hash")
DOCCANO_KEYS = ("id", "Comments", "relations")
"""Keys doccano adds to its exports; dropped on import (its `id` goes stale after a re-import)."""


# ---------------------------------------------------------------- export


def export_line(task: AnnotationTask, item_id: str, spans: Sequence[Span]) -> dict[str, Any]:
    """One doccano JSONL object; key order and set are the same on every line."""
    return {
        "text": task.text,
        "label": [[s, e, label] for s, e, label in spans],
        "listing_id": item_id,
        "field": task.field,
        "text_hash": task.text_hash,
    }


def write_jsonl_atomic(path: Path, lines: Sequence[dict[str, Any]]) -> None:
    """Write UTF-8 JSONL (not ASCII-escaped, like doccano's own) through the one atomic writer."""
    with atomic_file(path, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


@dataclass
class ExportConfig:
    """What to export: how many texts, chosen how (see `annotation.select`), from which fields."""

    limit: int | None = None
    strategy: str = "random"
    include_annotated: bool = False
    seed: int = 0
    fields: tuple[str, ...] = ("title",)
    prefill: str = "gold"  # see PREFILLS


PREFILLS = ("gold", "distant", "model")
"""What pre-fills the exported spans: `gold` (gold where present, else distant: the default),
`distant` (the item-specifics pre-annotation only) or `model` (a model's predictions, its confidence
in each line's `model_confidence`: model-assisted annotation)."""


@dataclass
class ExportResult:
    file: Path
    count: int
    strategy: str  # the strategy used (model strategies fall back to random without a model)
    fallback_reason: str | None
    prefilled_gold: int
    prefilled_distant: int
    prefilled_model: int = 0


def model_lines(
    session: Session, tasks: Sequence[AnnotationTask], model: Any
) -> tuple[list[dict[str, Any]], int]:
    """Lines pre-filled with `model`'s spans; every line also carries `model_confidence` (doccano keeps
    extra keys as the example's metadata; the same keys on every line, as doccano requires)."""
    if model is None:
        raise ValueError("prefill 'model' needs a model")
    texts = [t.text for t in tasks]
    spans = model.predict(texts) if texts else []
    confidence = model.confidence(texts) if texts else []
    item_ids = _item_ids(session, tasks)
    lines = []
    for task, found, conf in zip(tasks, spans, confidence, strict=True):
        line = export_line(task, item_ids[task.listing_id], normalise_spans(list(found)))
        line["model_confidence"] = round(float(conf), 4)
        lines.append(line)
    return lines, sum(1 for s in spans if s)


def _item_ids(session: Session, tasks: Sequence[AnnotationTask]) -> dict[int, str]:
    return dict(
        session.execute(
            select(Listing.id, Listing.item_id).where(Listing.id.in_([t.listing_id for t in tasks]))
        )
        .tuples()
        .all()
    )


def export_lines(
    session: Session, tasks: Sequence[AnnotationTask], prefill: str = "gold"
) -> tuple[list[dict[str, Any]], int, int]:
    """Lines for `tasks`, pre-filled with gold where present, else the distant pre-annotation
    (`prefill="distant"`: the distant pre-annotation even where gold exists)."""
    spans = current_spans_by_task(session, [t.id for t in tasks])
    item_ids = _item_ids(session, tasks)
    lines, gold, distant = [], 0, 0
    for task in tasks:
        found = spans.get(task.id, {})
        if prefill == "distant":
            found = {"distant": found["distant"]} if "distant" in found else {}
        if "gold" in found:
            gold += 1
        elif "distant" in found:
            distant += 1
        lines.append(
            export_line(task, item_ids[task.listing_id], found.get("gold", found.get("distant", [])))
        )
    return lines, gold, distant


def export_jsonl(
    session: Session,
    out: Path,
    cfg: ExportConfig | None = None,
    model: Any = None,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Choose tasks (see `annotation.select`) and write them as doccano JSONL; marks them exported.

    `model` is anything with `confidence(texts)` (and `predict` for `disagreement`), used by the model
    strategies; `progress` is called with the number of texts scored after each batch.
    """
    from carner.annotation.select import select_tasks

    cfg = cfg or ExportConfig()
    chosen = select_tasks(
        session,
        strategy=cfg.strategy,
        limit=cfg.limit,
        model=model,
        include_annotated=cfg.include_annotated,
        fields=cfg.fields,
        seed=cfg.seed,
        progress=progress,
    )
    if cfg.prefill not in PREFILLS:
        raise ValueError(f"prefill must be one of {', '.join(PREFILLS)}, got {cfg.prefill!r}")
    gold = distant = from_model = 0
    if cfg.prefill == "model":
        lines, from_model = model_lines(session, chosen.tasks, model)
    else:
        lines, gold, distant = export_lines(session, chosen.tasks, cfg.prefill)
    write_jsonl_atomic(Path(out), lines)
    now = datetime.now(UTC)
    for task in chosen.tasks:
        task.exported_at = now
    session.commit()
    log.info("exported %d tasks to %s (strategy %s)", len(lines), out, chosen.strategy)
    return ExportResult(
        Path(out), len(lines), chosen.strategy, chosen.fallback_reason, gold, distant, from_model
    )


# ---------------------------------------------------------------- import: parse and validate


@dataclass(frozen=True)
class JsonlDocument:
    """One JSONL text to import: `name` is how errors point at it (a path, or `zip!member`).

    `open` gives a fresh binary stream each time: an import reads its lines as a stream, never the
    whole (decompressed) file at once.
    """

    name: str
    open: Callable[[], IO[bytes]]
    annotator: str | None = None


@dataclass(frozen=True)
class Issue:
    location: str
    line: int
    reason: str

    def __str__(self) -> str:  # line 0: the file as a whole (empty, corrupt zip, too big)
        return (
            f"{self.location}:{self.line}: {self.reason}" if self.line else f"{self.location}: {self.reason}"
        )


MAX_SHOWN_ISSUES = 20  # bad lines reported one by one; the rest are counted ("and K more")


class IssueLog:
    """The bad lines of an import: the first `MAX_SHOWN_ISSUES` kept, every one counted (bounded memory
    however many lines are bad: 7 million `{}` lines are 20 issues and a number)."""

    def __init__(self, shown: int | None = None) -> None:
        self.shown = MAX_SHOWN_ISSUES if shown is None else shown
        self.first: list[Issue] = []
        self.total = 0

    def add(self, issue: Issue) -> None:
        self.total += 1
        if len(self.first) < self.shown:
            self.first.append(issue)

    def __bool__(self) -> bool:
        return self.total > 0

    def error(self, stopped: ImportValidationError | None = None) -> ImportValidationError:
        """The import's error: these bad lines, after `stopped` (reading stopped at a cap) if given."""
        first = sorted(self.first, key=lambda i: (i.location, i.line))
        if stopped is None:
            return ImportValidationError(first, self.total)
        return ImportValidationError([*stopped.issues, *first], self.total + len(stopped.issues))


class ImportValidationError(ValueError):
    """The bad lines of an import, one `FILE:LINE: reason` each (the first `MAX_SHOWN_ISSUES`, then
    "and K more"); nothing was written. `issues` holds the lines shown, `total` counts them all."""

    def __init__(self, issues: list[Issue], total: int | None = None):
        self.issues = issues
        self.total = len(issues) if total is None else max(total, len(issues))
        lines = [str(i) for i in issues]
        if self.more:
            lines.append(f"... and {self.more:,} more bad line(s)")
        super().__init__("\n".join(lines))

    @property
    def more(self) -> int:
        return self.total - len(self.issues)

    def summary(self, what: str) -> str:
        """The closing line a command prints after the issues (`what`: the file or export)."""
        return f"{self.total:,} bad line(s) in {what}"


@dataclass
class _Record:
    location: str
    line: int
    text: str
    spans: list[Span]
    listing_id: str | None
    field: str
    annotator: str | None


def _parse_spans(obj: dict[str, Any], text: str) -> tuple[list[Span], list[str]]:
    """Spans from doccano's `label` lists or `entities` objects, with every problem found."""
    problems: list[str] = []
    raw: list[tuple[Any, Any, Any]] = []
    if "entities" in obj and "label" not in obj:
        entities = obj["entities"]
        if not isinstance(entities, list):
            return [], ["'entities' is not a list"]
        for i, ent in enumerate(entities):
            if not isinstance(ent, dict) or not {"start_offset", "end_offset", "label"} <= ent.keys():
                problems.append(f"entities[{i}] is not {{start_offset, end_offset, label}}")
                continue
            raw.append((ent["start_offset"], ent["end_offset"], ent["label"]))
    elif "label" in obj:
        labels = obj["label"]
        if not isinstance(labels, list):
            return [], ["'label' is not a list"]
        for i, item in enumerate(labels):
            if not isinstance(item, list | tuple) or len(item) != 3:
                problems.append(
                    f"label[{i}] is not [start, end, LABEL]: {json.dumps(item, ensure_ascii=False)}"
                )
                continue
            raw.append(tuple(item))
    else:
        return [], ["missing 'label' (or 'entities')"]

    spans: list[Span] = []
    for start, end, label in raw:
        shown = json.dumps([start, end, label], ensure_ascii=False)
        if (
            not (isinstance(start, int) and isinstance(end, int))
            or isinstance(start, bool)
            or isinstance(end, bool)
        ):
            problems.append(f"span {shown}: offsets must be integers")
        elif not isinstance(label, str) or not label:
            problems.append(f"span {shown}: label must be a non-empty string")
        elif not 0 <= start < end <= len(text):
            problems.append(f"span {shown}: offsets out of range for a text of {len(text)} characters")
        else:
            reason = _off_text_reason(text, start, end)
            if reason:
                problems.append(f"span {shown}: offsets not on the text ({reason})")
            else:
                spans.append((start, end, label))
    spans = normalise_spans(spans)
    for a, b in zip(spans, spans[1:], strict=False):
        if b[0] < a[1]:
            problems.append(
                f"spans {json.dumps(list(a), ensure_ascii=False)} and "
                f"{json.dumps(list(b), ensure_ascii=False)} overlap"
            )
    return spans, problems


def _off_text_reason(text: str, start: int, end: int) -> str | None:
    """Why a span does not sit on words of the text (whitespace edges, or cutting a word in two)."""
    piece = text[start:end]
    if piece != piece.strip():
        return f"{piece!r} starts or ends with whitespace"
    if start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        return f"starts inside the word around {text[max(0, start - 10) : end]!r}"
    if end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        return f"ends inside the word around {text[start : end + 10]!r}"
    return None


def parse_document(
    doc: JsonlDocument,
    known_labels: set[str],
    add_labels: bool,
    issues: IssueLog | None = None,
    budget: ReadBudget | None = None,
) -> tuple[list[_Record], list[Issue], set[str]]:
    """Parse one JSONL text into records, collecting the bad lines instead of stopping at the first.

    Streams the document line by line within `budget` (bytes and lines of the whole import): bad
    lines cost a count each (the first ones are kept in `issues`, a fresh log by default), good ones a
    record, so memory is bounded by the caps whatever the file. Returns the records, the issues shown
    and the labels not in `known_labels`.
    """
    issues = IssueLog() if issues is None else issues
    budget = ReadBudget() if budget is None else budget
    records: list[_Record] = []
    new_labels: set[str] = set()
    for number, raw_line in _lines(doc, budget, issues):
        record = _parse_line(doc, number, raw_line, known_labels, add_labels, issues, new_labels)
        if record is not None:
            records.append(record)
    return records, list(issues.first), new_labels


def _parse_line(
    doc: JsonlDocument,
    number: int,
    raw_line: bytes,
    known_labels: set[str],
    add_labels: bool,
    issues: IssueLog,
    new_labels: set[str],
) -> _Record | None:
    """One line as a record, or None after adding its problems to `issues`."""
    found = False

    def bad(reason: str) -> None:
        nonlocal found
        found = True
        issues.add(Issue(doc.name, number, reason))

    try:
        obj = json.loads(raw_line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        bad(f"not UTF-8 ({exc.reason} at byte {exc.start})")
        return None
    except json.JSONDecodeError as exc:
        bad(f"bad JSON: {exc.msg} (column {exc.colno})")
        return None
    except RecursionError:
        bad("bad JSON: nested too deeply")
        return None
    except ValueError as exc:  # a number of more than 4,300 digits
        bad(f"bad JSON: {' '.join(str(exc).split())[:120]}")
        return None
    if not isinstance(obj, dict):
        bad("expected a JSON object")
        return None
    surrogate = _lone_surrogate(obj) if b"\\u" in raw_line else None  # only an escape (\\ud800) makes one
    if surrogate:
        bad(surrogate)
        return None
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        bad("missing text" if text is None or text == "" else "'text' is not a string")
        return None
    spans, problems = _parse_spans(obj, text)
    for problem in problems:
        bad(problem)
    unknown = sorted({label for _, _, label in spans} - known_labels)
    if unknown and not add_labels:
        bad(
            f"unknown label(s) {', '.join(unknown)} (known: {', '.join(sorted(known_labels))}; "
            "--add-labels accepts new ones)"
        )
    new_labels.update(unknown)
    field_name = obj.get("field", "title")
    if field_name not in FIELDS:
        bad(f"field must be one of {', '.join(FIELDS)}, not {field_name!r}")
    declared = obj.get("text_hash")
    if declared is not None and declared != text_hash(text):
        bad("text_hash does not match the text (the text was edited after export)")
    listing_id = obj.get("listing_id")
    if listing_id is not None and not isinstance(listing_id, str | int):
        bad("listing_id must be a string")
    if found:
        return None
    return _Record(
        doc.name,
        number,
        text,
        spans,
        None if listing_id is None else str(listing_id),
        field_name,
        doc.annotator,
    )


def _lone_surrogate(obj: Any) -> str | None:
    """Why a parsed line cannot be stored as UTF-8 (a lone surrogate such as \\ud800), or None."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start : exc.start + 1] if isinstance(exc.object, str) else ""
        return f"text contains a lone surrogate {char.encode('unicode_escape').decode()} (not valid Unicode)"
    return None


# An import is streamed: lines are read one at a time (each at most MAX_LINE_BYTES), and the whole
# import (every member of a zip, decompressed) is capped in bytes and lines while reading, whatever a
# zip declares: a 21 KB zip of 20 MB `{}` lines is refused or reported in bounded memory and time.
MAX_IMPORT_BYTES = 256 * 1024 * 1024
MAX_IMPORT_LINES = 1_000_000
MAX_LINE_BYTES = 4 * 1024 * 1024
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, zlib.error)
_READ_BLOCK = 1 << 20


class ReadBudget:
    """Bytes and lines (blank ones too) an import may still read, shared by all its documents."""

    def __init__(self) -> None:
        self.bytes = MAX_IMPORT_BYTES
        self.lines = MAX_IMPORT_LINES
        self.texts = 0  # non-blank lines read

    def take(self, name: str, size: int) -> None:
        self.bytes -= size
        if self.bytes < 0:
            limit = f"larger than the {MAX_IMPORT_BYTES:,}-byte import limit"
            raise ImportValidationError([Issue(name, 0, limit)])

    def line(self, name: str, number: int) -> None:
        self.lines -= 1
        if self.lines < 0:
            limit = f"more than the {MAX_IMPORT_LINES:,}-line import limit (stopped at line {number:,})"
            raise ImportValidationError([Issue(name, 0, limit)])


def _lines(doc: JsonlDocument, budget: ReadBudget, issues: IssueLog) -> Iterator[tuple[int, bytes]]:
    """(number, line) of every non-blank line of `doc`, read in bounded pieces within `budget`; a line
    longer than `MAX_LINE_BYTES` is an issue (and skipped without being held), a corrupt zip member a
    file-level `ImportValidationError`."""
    number = 0
    try:
        with doc.open() as opened:
            stream = (
                opened if isinstance(opened, io.BufferedReader) else io.BufferedReader(opened, _READ_BLOCK)
            )
            while True:
                raw = stream.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    return
                number += 1
                budget.take(doc.name, len(raw))
                budget.line(doc.name, number)
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    size = len(raw) + _skip_line(stream, doc.name, budget)
                    reason = f"line of {size:,} bytes is longer than the {MAX_LINE_BYTES:,}-byte limit"
                    issues.add(Issue(doc.name, number, reason))
                    continue
                if not raw.strip():
                    continue
                budget.texts += 1
                yield number, raw.rstrip(b"\r\n")
    except _ZIP_ERRORS as exc:
        what = "corrupt zip" if "!" in doc.name else "cannot read"
        reason = f"{what} ({' '.join(str(exc).split())[:120]})"
        raise ImportValidationError([Issue(doc.name, 0, reason)]) from None


def _skip_line(stream: IO[bytes], name: str, budget: ReadBudget) -> int:
    """Read past the rest of an over-long line in blocks; its size in bytes."""
    skipped = 0
    while True:
        piece = stream.readline(_READ_BLOCK)
        if not piece:
            return skipped
        skipped += len(piece)
        budget.take(name, len(piece))
        if piece.endswith(b"\n"):
            return skipped


def read_documents(path: Path) -> list[JsonlDocument]:
    """A JSONL file, or a doccano export zip (one `<annotator>.jsonl` per annotator: every member).

    Documents are opened lazily (read as streams by `parse_document`). Raises `ImportValidationError`
    (file-level issue) for a corrupt zip or a zip without a `.jsonl` member.
    """
    path = Path(path)
    if not zipfile.is_zipfile(path):
        return [JsonlDocument(str(path), lambda: open(path, "rb"))]
    return zip_documents(path, str(path))


def zip_export_time(path: Path) -> datetime | None:
    """When doccano wrote its export zip (the newest member timestamp, read as UTC); None otherwise."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            stamps = [info.date_time for info in zf.infolist() if info.filename.endswith(".jsonl")]
    except _ZIP_ERRORS:
        return None
    return datetime(*max(stamps), tzinfo=UTC) if stamps else None


def zip_documents(source: Path | Any, name: str, *, require_jsonl: bool = True) -> list[JsonlDocument]:
    """Every `.jsonl` member of a doccano export zip (a path or a seekable file object), each opened
    as a stream when parsed (sizes are checked while reading: a zip's declared sizes can lie).

    `require_jsonl=False` accepts a zip without members (doccano's export of a project with nothing
    confirmed yet); a file a user passes must hold some.
    """
    try:
        with zipfile.ZipFile(source) as zf:
            members = sorted(info.filename for info in zf.infolist() if info.filename.endswith(".jsonl"))
            if not members and require_jsonl:
                names = ", ".join(sorted(zf.namelist())[:5]) or "nothing"
                raise ImportValidationError([Issue(name, 0, f"zip has no .jsonl member (found: {names})")])
            for member_name in members:
                if zf.getinfo(member_name).file_size > MAX_IMPORT_BYTES:
                    limit = f"larger than the {MAX_IMPORT_BYTES:,}-byte import limit"
                    raise ImportValidationError([Issue(f"{name}!{member_name}", 0, limit)])
    except _ZIP_ERRORS as exc:
        reason = f"corrupt zip ({' '.join(str(exc).split())[:120]})"
        raise ImportValidationError([Issue(name, 0, reason)]) from None
    return [
        JsonlDocument(f"{name}!{member}", _member_opener(source, member), Path(member).stem)
        for member in members
    ]


def _member_opener(source: Path | Any, member: str) -> Callable[[], IO[bytes]]:
    @contextlib.contextmanager
    def opened() -> Iterator[IO[bytes]]:
        if hasattr(source, "seek"):
            source.seek(0)
        with zipfile.ZipFile(source) as zf, zf.open(member) as stream:
            yield stream

    return opened  # type: ignore[return-value]


# ---------------------------------------------------------------- import: join and write


@dataclass
class ImportResult:
    documents: list[str]
    records: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    older: int = 0
    conflicts: int = 0
    created_tasks: int = 0
    new_labels: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.added + self.replaced


def _join(session: Session, records: list[_Record]) -> tuple[list[tuple[_Record, Any]], list[Issue]]:
    """Match each record to its task (or to the listing text a task will be made of) by listing+field+hash."""
    issues: list[Issue] = []
    joined: list[tuple[_Record, Any]] = []
    item_ids = {r.listing_id for r in records if r.listing_id is not None}
    listings = {
        lst.item_id: lst for lst in session.scalars(select(Listing).where(Listing.item_id.in_(item_ids)))
    }
    tasks = {
        (t.listing_id, t.field): t
        for t in session.scalars(
            select(AnnotationTask).where(AnnotationTask.listing_id.in_([lst.id for lst in listings.values()]))
        )
    }
    hashes = {text_hash(r.text) for r in records if r.listing_id is None}
    by_hash: dict[str, list[AnnotationTask]] = {}
    for t in session.scalars(select(AnnotationTask).where(AnnotationTask.text_hash.in_(hashes))):
        by_hash.setdefault(t.text_hash, []).append(t)

    for rec in records:
        digest = text_hash(rec.text)
        if rec.listing_id is None:
            found = [t for t in by_hash.get(digest, []) if t.field == rec.field]
            if len(found) != 1:
                why = "no task has this text" if not found else f"{len(found)} tasks have this text"
                issues.append(Issue(rec.location, rec.line, f"no listing_id and {why}"))
                continue
            joined.append((rec, found[0]))
            continue
        listing = listings.get(rec.listing_id)
        if listing is None:
            issues.append(Issue(rec.location, rec.line, f"unknown listing_id {rec.listing_id!r}"))
            continue
        task = tasks.get((listing.id, rec.field))
        stored_hash = task.text_hash if task is not None else None
        if stored_hash is None:
            current = listing_text(listing, rec.field)
            stored_hash = text_hash(current) if current is not None else None
        if stored_hash != digest:
            issues.append(
                Issue(
                    rec.location,
                    rec.line,
                    f"text no longer matches the stored {rec.field} of listing {rec.listing_id} "
                    f"(text hash {digest[:12]} vs stored {(stored_hash or 'none')[:12]})",
                )
            )
            continue
        joined.append((rec, task if task is not None else listing))
    return joined, issues


def import_documents(
    session: Session,
    documents: Sequence[JsonlDocument],
    *,
    schema: LabelSchema = DEFAULT_SCHEMA,
    add_labels: bool = False,
    source: str = "doccano",
    exported_at: datetime | None = None,
) -> ImportResult:
    """Validate every line of every document, then store all spans as gold in one transaction.

    Raises `ImportValidationError` (every bad line) and writes nothing when any line is bad.
    When one text comes several times (one file per annotator), an edited version beats one equal to
    the distant pre-annotation (the uploader's untouched copy); remaining disagreements: the later
    document wins and is counted in `conflicts`.
    """
    result = ImportResult(documents=[d.name for d in documents])
    known = set(schema.labels)
    records: list[_Record] = []
    issues = IssueLog()
    budget = ReadBudget()
    new_labels: set[str] = set()
    try:
        for doc in documents:
            recs, _, labels = parse_document(doc, known, add_labels, issues, budget)
            records += recs
            new_labels |= labels
    except ImportValidationError as stopped:  # a cap or a corrupt member: with the bad lines so far
        session.rollback()
        raise issues.error(stopped) from None
    if not issues and budget.texts == 0:
        where = documents[0].name.split("!")[0] if documents else "the import"
        raise ImportValidationError([Issue(where, 0, "no annotation lines (the file is empty)")])
    joined, join_issues = _join(session, records)  # lines that parse but match no listing are bad too
    for issue in join_issues:
        issues.add(issue)
    if issues:
        session.rollback()
        raise issues.error()
    result.records = len(records)
    result.new_labels = sorted(new_labels)

    try:
        winners = _pick_versions(session, joined, result)
        for rec, target in winners:
            if isinstance(target, Listing):
                task = AnnotationTask(
                    listing_id=target.id, field=rec.field, text=rec.text, text_hash=text_hash(rec.text)
                )
                session.add(task)
                session.flush()
                result.created_tasks += 1
            else:
                task = target
            outcome = store_annotation(session, task, rec.spans, source, rec.annotator, exported_at)
            setattr(result, outcome, getattr(result, outcome) + 1)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if result.older:
        log.warning("%d annotation(s) not applied: a newer export is already stored", result.older)
    return result


def _pick_versions(
    session: Session, joined: list[tuple[_Record, Any]], result: ImportResult
) -> list[tuple[_Record, Any]]:
    """One record per task: edited beats untouched pre-annotation; otherwise the last one wins."""
    task_ids = [t.id for _, t in joined if isinstance(t, AnnotationTask)]
    distant = {tid: found.get("distant") for tid, found in current_spans_by_task(session, task_ids).items()}
    chosen: dict[tuple[str, int, str], tuple[_Record, Any]] = {}
    for rec, target in joined:
        key = ("task" if isinstance(target, AnnotationTask) else "listing", target.id, rec.field)
        previous = chosen.get(key)
        if previous is not None and previous[0].spans != rec.spans:
            untouched = distant.get(target.id) if isinstance(target, AnnotationTask) else None
            if untouched is not None and rec.spans == untouched:
                continue  # the uploader's untouched copy: the edited version stays
            if previous[0].spans != untouched:
                result.conflicts += 1
                log.warning(
                    "%s:%d disagrees with %s:%d on the same text; the later one wins",
                    rec.location,
                    rec.line,
                    previous[0].location,
                    previous[0].line,
                )
        chosen[key] = (rec, target)
    return list(chosen.values())


def import_jsonl(
    session: Session,
    path: Path,
    *,
    schema: LabelSchema = DEFAULT_SCHEMA,
    add_labels: bool = False,
    source: str = "doccano",
    exported_at: datetime | None = None,
) -> ImportResult:
    """Import a doccano JSONL export (or export zip) as gold, ordered by doccano's own export time.

    `exported_at` defaults to the time doccano wrote the export zip (its members' timestamps); a
    plain JSONL has none, so it is None unless given (`--exported-at`) and a version already
    replaced is not brought back. Never the file's mtime: `cp old.jsonl copy.jsonl` makes it new.
    An empty file is an error (`ImportValidationError`), not "0 imported".
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    documents = read_documents(path)
    if exported_at is None:
        exported_at = zip_export_time(path)
    return import_documents(
        session,
        documents,
        schema=schema,
        add_labels=add_labels,
        source=source,
        exported_at=exported_at,
    )
