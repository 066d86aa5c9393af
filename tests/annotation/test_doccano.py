"""The doccano JSONL bridge: export, doccano-style edits, validated all-or-nothing import."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from carner.annotation.doccano import ExportConfig, ImportValidationError, export_jsonl, import_jsonl
from carner.annotation.store import ensure_tasks, iter_annotated_texts, store_distant
from carner.db.models import Annotation, Listing
from sqlalchemy import func, select

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "doccano-samples"

LISTINGS = [
    (
        "200000000001",
        "2015 Chevy Silverado 1500 LT 4x4",
        {"Make": "Chevrolet", "Model": "Silverado 1500", "Year": "2015", "Trim": "LT", "Drive Type": "4WD"},
    ),
    (
        "200000000002",
        "Citroën C4 Picasso – 2019, 45 000 km",
        {"Make": "Citroen", "Model": "C4 Picasso", "Year": 2019, "Mileage": "45000"},
    ),
    (
        "200000000003",
        "Škoda Octavia 🚗 2021 Diesel",
        {"Make": "Škoda", "Model": "Octavia", "Year": "2021", "Fuel Type": "Diesel"},
    ),
    ("200000000004", "VW Golf GTI 2019 Rot", {"Make": "Volkswagen", "Model": "Golf", "Year": "2019"}),
    (
        "200000000005",
        "Hyundaï Tucson 2020 AWD",
        {"Make": "Hyundai", "Model": "Tucson", "Year": "2020", "Drive Type": "AWD"},
    ),
]


@pytest.fixture
def seeded(session, add_listing):
    for item_id, title, specifics in LISTINGS:
        add_listing(session, item_id, title, specifics)
    ensure_tasks(session)
    store_distant(session)
    session.commit()
    return session


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def as_doccano_export(rows: list[dict]) -> list[dict]:
    """What doccano 1.8.4 gives back: its own `id` first, our keys at top level, `Comments` last."""
    return [{"id": i + 1, **row, "Comments": []} for i, row in enumerate(rows)]


def gold_by_text(session) -> dict[str, list[tuple[int, int, str]]]:
    return {a.text: a.spans for a in iter_annotated_texts(session, "gold")}


def test_export_writes_uniform_doccano_lines(seeded, tmp_path):
    out = tmp_path / "export.jsonl"
    result = export_jsonl(seeded, out, ExportConfig(limit=3, seed=1))
    rows = read_jsonl(out)
    assert result.count == 3 == len(rows) and result.prefilled_distant == 3
    assert all(list(r) == ["text", "label", "listing_id", "field", "text_hash"] for r in rows)
    raw = out.read_text(encoding="utf-8")
    assert "\\u" not in raw  # UTF-8, not escaped, like doccano's own files
    # deterministic for a seed
    again = export_jsonl(seeded, tmp_path / "again.jsonl", ExportConfig(limit=3, seed=1))
    assert read_jsonl(again.file) == rows


def test_round_trip_stores_exactly_the_edited_spans_and_reimport_is_noop(
    seeded, tmp_path, engine, db_snapshot
):
    exported = read_jsonl(export_jsonl(seeded, tmp_path / "out.jsonl").file)
    by_id = {r["listing_id"]: r for r in exported}
    # An annotator corrects two texts in doccano: adds the missed trim, relabels and removes spans.
    golf = by_id["200000000004"]
    assert [golf["text"][s:e] for s, e, _ in golf["label"]] == ["VW", "Golf", "2019"]
    golf["label"] = [[0, 2, "MAKE"], [3, 7, "MODEL"], [8, 11, "TRIM"], [12, 16, "YEAR"], [17, 20, "COLOR"]]
    chevy = by_id["200000000001"]
    chevy["label"] = [[5, 10, "MAKE"], [11, 25, "MODEL"]]
    edited = write_jsonl(tmp_path / "admin.jsonl", as_doccano_export(exported))

    result = import_jsonl(seeded, edited)
    assert (result.records, result.added, result.unchanged) == (len(LISTINGS), len(LISTINGS), 0)
    gold = gold_by_text(seeded)
    assert gold[golf["text"]] == [tuple(s) for s in golf["label"]]
    assert gold[chevy["text"]] == [tuple(s) for s in chevy["label"]]
    for row in exported:  # untouched texts come back as they went out
        assert gold[row["text"]] == [tuple(s) for s in row["label"]]

    before = db_snapshot(engine)
    again = import_jsonl(seeded, edited)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, len(LISTINGS))
    assert db_snapshot(engine) == before


def test_newer_export_replaces_older_and_keeps_history(seeded, tmp_path):
    row = next(
        r
        for r in read_jsonl(export_jsonl(seeded, tmp_path / "o.jsonl").file)
        if r["listing_id"] == "200000000004"
    )
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    first = write_jsonl(tmp_path / "first.jsonl", [{**row, "label": [[0, 2, "MAKE"]]}])
    second = write_jsonl(tmp_path / "second.jsonl", [{**row, "label": [[0, 2, "MAKE"], [3, 7, "MODEL"]]}])
    assert import_jsonl(seeded, first, exported_at=t0).added == 1
    assert import_jsonl(seeded, second, exported_at=t0 + timedelta(hours=1)).replaced == 1
    stale = import_jsonl(seeded, first, exported_at=t0)  # the older file again: not applied, reported
    assert stale.older == 1 and stale.changed == 0
    assert gold_by_text(seeded)[row["text"]] == [(0, 2, "MAKE"), (3, 7, "MODEL")]
    versions = seeded.scalars(
        select(Annotation).where(Annotation.source == "doccano").order_by(Annotation.id)
    ).all()
    assert [(v.current, len(v.spans)) for v in versions] == [(False, 1), (True, 2)]


@pytest.mark.parametrize("text", ["Citroën C4 Picasso – 2019, 45 000 km", "Škoda Octavia 🚗 2021 Diesel"])
def test_non_ascii_offsets_both_ways(seeded, tmp_path, text):
    rows = read_jsonl(export_jsonl(seeded, tmp_path / "o.jsonl").file)
    row = next(r for r in rows if r["text"] == text)
    surfaces = {row["text"][s:e]: label for s, e, label in row["label"]}
    if text.startswith("Citroën"):
        assert surfaces == {"Citroën": "MAKE", "C4 Picasso": "MODEL", "2019": "YEAR", "45 000 km": "MILEAGE"}
        edit = [[0, 7, "MAKE"], [8, 18, "MODEL"], [21, 25, "YEAR"], [27, 36, "MILEAGE"]]
    else:
        assert surfaces == {"Škoda": "MAKE", "Octavia": "MODEL", "2021": "YEAR", "Diesel": "FUEL"}
        edit = [[0, 5, "MAKE"], [6, 13, "MODEL"], [16, 20, "YEAR"]]  # after the emoji: code points
    # the file as doccano writes it: raw UTF-8 bytes, no escapes
    write_jsonl(tmp_path / "in.jsonl", [{**row, "label": edit}])
    import_jsonl(seeded, tmp_path / "in.jsonl")
    stored = gold_by_text(seeded)[text]
    assert [text[s:e] for s, e, _ in stored] == [text[s:e] for s, e, _ in edit]
    assert stored == [tuple(s) for s in edit]


def test_entities_form_and_zip_of_annotators(seeded, tmp_path):
    rows = read_jsonl(export_jsonl(seeded, tmp_path / "o.jsonl").file)
    golf = next(r for r in rows if r["listing_id"] == "200000000004")
    untouched = golf["label"]
    edited = [[0, 2, "MAKE"], [3, 7, "MODEL"], [8, 11, "TRIM"], [12, 16, "YEAR"]]
    entities = [
        {"id": 90 + i, "label": lab, "start_offset": s, "end_offset": e}
        for i, (s, e, lab) in enumerate(edited)
    ]
    bob = {k: v for k, v in golf.items() if k != "label"} | {"entities": entities, "relations": []}
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # the uploader's copy still has the pre-annotation
        zf.writestr("admin.jsonl", json.dumps({"id": 1, **golf, "label": untouched, "Comments": []}) + "\n")
        zf.writestr("bob.jsonl", json.dumps({"id": 1, **bob, "Comments": []}) + "\n")
    result = import_jsonl(seeded, archive)
    assert result.conflicts == 0 and result.added == 1
    assert gold_by_text(seeded)[golf["text"]] == [tuple(s) for s in edited]
    ann = seeded.scalars(select(Annotation).where(Annotation.source == "doccano")).one()
    assert ann.annotator == "bob"


# ------------------------------------------------------------------ bad input: one test per kind


def _good_row(session, tmp_path) -> dict:
    rows = read_jsonl(export_jsonl(session, tmp_path / "o.jsonl").file)
    return next(r for r in rows if r["listing_id"] == "200000000004")  # "VW Golf GTI 2019 Rot"


BAD_LINES = {
    "bad_json": (lambda r: json.dumps(r)[:-3], "bad JSON"),
    "missing_text": (lambda r: {k: v for k, v in r.items() if k != "text"}, "missing text"),
    "offsets_out_of_range": (lambda r: {**r, "label": [[17, 25, "COLOR"]]}, "out of range for a text of 20"),
    "offsets_not_on_text": (lambda r: {**r, "label": [[1, 7, "MODEL"]]}, "offsets not on the text"),
    "whitespace_edge": (lambda r: {**r, "label": [[2, 7, "MODEL"]]}, "offsets not on the text"),
    "overlapping": (lambda r: {**r, "label": [[0, 7, "MAKE"], [3, 7, "MODEL"]]}, "overlap"),
    "unknown_label": (lambda r: {**r, "label": [[0, 2, "BRAND"]]}, "unknown label(s) BRAND"),
    "text_hash_mismatch": (
        lambda r: {**r, "text": r["text"].replace("Rot", "Red")},
        "text_hash does not match",
    ),
    "unknown_listing": (lambda r: {**r, "listing_id": "999"}, "unknown listing_id '999'"),
    "not_a_span": (lambda r: {**r, "label": [[0, 2]]}, "is not [start, end, LABEL]"),
}


@pytest.mark.parametrize("kind", sorted(BAD_LINES))
def test_bad_input_names_file_and_line_and_changes_nothing(seeded, tmp_path, engine, db_snapshot, kind):
    row = _good_row(seeded, tmp_path)
    make_bad, reason = BAD_LINES[kind]
    good = {**row, "label": [[0, 2, "MAKE"]]}
    path = write_jsonl(tmp_path / "bad.jsonl", [good, make_bad(row), good])
    before = db_snapshot(engine)
    with pytest.raises(ImportValidationError) as err:
        import_jsonl(seeded, path)
    message = str(err.value)
    assert message.startswith(f"{path}:2: "), message
    assert reason in message
    assert len(err.value.issues) == 1
    assert db_snapshot(engine) == before


def test_stored_text_changed_since_export_is_rejected(seeded, tmp_path, engine, db_snapshot):
    row = _good_row(seeded, tmp_path)
    path = write_jsonl(tmp_path / "in.jsonl", [row])
    golf = seeded.scalars(select(Listing).where(Listing.item_id == "200000000004")).one()
    golf.title = "VW Golf GTI 2019 Rot, new tyres"  # re-crawled
    ensure_tasks(seeded)
    seeded.commit()
    before = db_snapshot(engine)
    with pytest.raises(ImportValidationError, match=rf"{path}:1: text no longer matches the stored title"):
        import_jsonl(seeded, path)
    assert db_snapshot(engine) == before


def test_unknown_label_accepted_with_add_labels(seeded, tmp_path):
    row = _good_row(seeded, tmp_path)
    path = write_jsonl(tmp_path / "in.jsonl", [{**row, "label": [[0, 2, "MAKE"], [8, 11, "VARIANT"]]}])
    result = import_jsonl(seeded, path, add_labels=True)
    assert result.new_labels == ["VARIANT"] and result.added == 1
    assert gold_by_text(seeded)[row["text"]] == [(0, 2, "MAKE"), (8, 11, "VARIANT")]


def test_every_bad_line_is_reported_together(seeded, tmp_path, engine, db_snapshot):
    row = _good_row(seeded, tmp_path)
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            "{not json",
            {**row, "label": [[0, 99, "MAKE"]]},
            row,
            {**row, "label": [[0, 2, "NOPE"], [0, 7, "MAKE"], [3, 99, "MODEL"]]},
        ],
    )
    before = db_snapshot(engine)
    with pytest.raises(ImportValidationError) as err:
        import_jsonl(seeded, path)
    lines = str(err.value).splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        f"{path}:1",
        f"{path}:2",
        f"{path}:4",
        f"{path}:4",
        f"{path}:4",
    ]
    assert db_snapshot(engine) == before
    assert (
        seeded.scalar(select(func.count()).select_from(Annotation).where(Annotation.source == "doccano")) == 0
    )


# ------------------------------------------------------------------ doccano's real files


@pytest.fixture
def sample_listings(session, add_listing):
    if not SAMPLES.is_dir():
        pytest.skip(f"doccano samples not found at {SAMPLES} (../shared absent)")
    for line in (SAMPLES / "import_sequence_labeling.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        add_listing(session, row["listing_id"], row["text"], {})
    session.commit()
    return session


@pytest.mark.parametrize(
    "name",
    [
        "import_sequence_labeling.jsonl",
        "export_sequence_labeling_admin.jsonl",
        "export_use_relation_true_admin.jsonl",
        "export_after_reimport_of_export_admin.jsonl",
        "export_approved_only_admin.jsonl",
    ],
)
def test_real_doccano_files_import(sample_listings, name):
    path = SAMPLES / name
    result = import_jsonl(sample_listings, path)
    expected = {}
    for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
        if "entities" in row:
            expected[row["text"]] = [
                (e["start_offset"], e["end_offset"], e["label"]) for e in row["entities"]
            ]
        else:
            expected[row["text"]] = [tuple(s) for s in row["label"]]
    assert result.records == len(expected) and result.created_tasks == len(expected)
    assert gold_by_text(sample_listings) == expected
    if name.startswith("export_sequence"):
        assert gold_by_text(sample_listings)["Citroën C4 Picasso – 2019, 45 000 km"][0] == (0, 7, "MAKE")
