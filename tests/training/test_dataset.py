"""Dataset export and the npy loader: round trip, no leak, de-duplication, alignment report, bad input."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from carner.training.dataset import (
    DOCBIN_FILES,
    Record,
    build_dataset,
    normalise_text,
    read_manifest,
)
from carner.training.identity import dataset_id, test_id
from carner.training.npy_io import NPY_FILES, DatasetError, load_npy_dataset

# ------------------------------------------------------------------------------------------ round trip


def test_npy_files_round_trip_without_pickle(
    tiny_dataset: tuple[Path, Any], sandbox_records: list[Any]
) -> None:
    out, manifest = tiny_dataset
    by_text = {r.text: sorted(r.spans) for r in sandbox_records}
    for split in ("train", "test"):
        texts = np.load(out / f"text_{split}.npy", allow_pickle=False)
        labels = np.load(out / f"labels_{split}.npy", allow_pickle=False)
        assert texts.dtype.kind == "U" and labels.dtype.kind == "U"
        assert texts.shape == labels.shape == (manifest.counts[split]["texts"],)
        for text, raw in zip(texts, labels, strict=True):
            assert [tuple(s) for s in json.loads(str(raw))] == by_text[str(text)]
    ds = load_npy_dataset(out)
    assert len(ds.train_texts) + len(ds.test_texts) == manifest.input_records - manifest.duplicates_dropped
    assert ds.labels[:2] == ["MAKE", "MODEL"]
    for text, spans in zip(ds.test_texts, ds.test_spans, strict=True):
        assert spans == by_text[text]


def test_manifest_counts_match_files(tiny_dataset: tuple[Path, Any]) -> None:
    out, manifest = tiny_dataset
    on_disk = read_manifest(out)
    assert on_disk["dataset_id"] == manifest.dataset_id == dataset_id(out)
    assert on_disk["test_id"] == manifest.test_id == test_id(out)
    ds = load_npy_dataset(out)
    for split in ("train", "test"):
        _, spans = ds.split(split)
        counted = Counter(lab for s in spans for _, _, lab in s)
        assert on_disk["counts"][split]["labels"] == dict(counted)
        assert on_disk["counts"][split]["spans"] == sum(counted.values())
        assert (out / DOCBIN_FILES[split]).is_file()
        assert on_disk["alignment"][split]["spans"] == sum(counted.values())


def test_docbins_hold_the_same_texts_and_entities(tiny_dataset: tuple[Path, Any]) -> None:
    import spacy
    from spacy.tokens import DocBin

    out, manifest = tiny_dataset
    ds = load_npy_dataset(out)
    docs = list(DocBin().from_disk(out / "test.spacy").get_docs(spacy.blank("en").vocab))
    assert [d.text for d in docs] == ds.test_texts
    placed = sum(len(d.ents) for d in docs)
    stats = manifest.alignment["test"]
    assert placed == stats["spans"] - stats["dropped"]
    exact = sum(
        1
        for d, spans in zip(docs, ds.test_spans, strict=True)
        for e in d.ents
        if (e.start_char, e.end_char, e.label_) in spans
    )
    assert exact == stats["aligned"]


def test_same_seed_same_split_other_seed_other_split(sandbox_records: list[Any], tmp_path: Path) -> None:
    a = build_dataset(sandbox_records[:80], tmp_path / "a", test_size=0.5, seed=3)
    b = build_dataset(sandbox_records[:80], tmp_path / "b", test_size=0.5, seed=3)
    c = build_dataset(sandbox_records[:80], tmp_path / "c", test_size=0.5, seed=4)
    assert a.dataset_id == b.dataset_id and a.test_id == b.test_id
    assert a.dataset_id != c.dataset_id and a.test_id != c.test_id
    assert (tmp_path / "a" / "text_test.npy").read_bytes() == (tmp_path / "b" / "text_test.npy").read_bytes()


# ------------------------------------------------------------------------------------------ no leak


def test_no_test_text_in_training(tiny_dataset_dir: Path) -> None:
    ds = load_npy_dataset(tiny_dataset_dir)
    train = {normalise_text(t) for t in ds.train_texts}
    assert ds.test_texts and not [t for t in ds.test_texts if normalise_text(t) in train]


def test_duplicates_and_listings_never_straddle_the_split(tmp_path: Path) -> None:
    # 40 listings; each title also re-posted by another listing with other case/spacing, and each
    # listing has a description too: a row-wise split would leak on both counts.
    records = []
    for i in range(40):
        title = f"20{i:02d} Toyota Camry LE"
        records.append(Record(f"L{i}", "title", title, [(0, 4, "YEAR"), (5, 11, "MAKE"), (12, 17, "MODEL")]))
        records.append(Record(f"L{i}", "description", f"Great car number {i}", []))
        records.append(
            Record(f"R{i}", "title", "  " + title.upper().replace(" ", "   "), [(2, 6, "YEAR")], "distant")
        )
    manifest = build_dataset(records, tmp_path, test_size=0.5, seed=1)
    assert manifest.duplicates_dropped == 40
    ds = load_npy_dataset(tmp_path)
    train_keys = {normalise_text(t) for t in ds.train_texts}
    assert not train_keys & {normalise_text(t) for t in ds.test_texts}
    # whole listings per side: a title and its description are on the same side
    for i in range(40):
        title, desc = f"20{i:02d} Toyota Camry LE", f"Great car number {i}"
        assert (title in ds.train_texts) == (desc in ds.train_texts)
    # gold outranked the distant re-post: only the gold spelling and spans survive
    assert all(t.startswith("20") for t in ds.train_texts + ds.test_texts if "Toyota" in t)
    assert manifest.counts["train"]["sources"].get("distant", 0) == 0


def test_gold_outranks_distant_even_when_distant_comes_first(tmp_path: Path) -> None:
    text = "2015 Honda Civic EX"
    records = [
        Record("A", "title", text, [(0, 4, "YEAR")], "distant"),
        Record("A", "title", text, [(0, 4, "YEAR"), (5, 10, "MAKE"), (11, 16, "MODEL")], "gold"),
        Record("B", "title", "1999 Ford Ranger", [(0, 4, "YEAR"), (5, 9, "MAKE"), (10, 16, "MODEL")], "gold"),
    ]
    build_dataset(records, tmp_path, test_size=0.5, seed=0)
    ds = load_npy_dataset(tmp_path)
    spans = dict(zip(ds.train_texts + ds.test_texts, ds.train_spans + ds.test_spans, strict=True))
    assert spans[text] == [(0, 4, "YEAR"), (5, 10, "MAKE"), (11, 16, "MODEL")]


# ------------------------------------------------------------------------------------------ alignment


def test_misaligned_spans_are_counted_not_dropped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    records = [
        # "Camry" inside the token "CamryLE": not on a spaCy token boundary -> snapped to "CamryLE"
        Record("A", "title", "2015 Toyota CamryLE", [(0, 4, "YEAR"), (12, 17, "MODEL")]),
        # whitespace-only span: nothing to snap to -> dropped from the DocBin, counted
        Record("B", "title", "Ford  Focus", [(4, 6, "MODEL"), (0, 4, "MAKE")]),
        Record("C", "title", "2001 BMW 330i", [(0, 4, "YEAR"), (5, 8, "MAKE"), (9, 13, "MODEL")]),
        Record("D", "title", "1990 Audi 80", [(0, 4, "YEAR"), (5, 9, "MAKE"), (10, 12, "MODEL")]),
    ]
    with caplog.at_level(logging.WARNING):
        manifest = build_dataset(records, tmp_path, test_size=0.5, seed=0)
    total = {
        k: sum(manifest.alignment[s][k] for s in ("train", "test"))
        for k in ("misaligned", "snapped", "dropped")
    }
    assert total == {"misaligned": 2, "snapped": 1, "dropped": 1}
    outcomes = [e["outcome"] for s in ("train", "test") for e in manifest.alignment[s]["examples"]]
    assert "snapped to 'CamryLE'" in outcomes and any(o.startswith("dropped") for o in outcomes)
    assert "not on spaCy token boundaries" in caplog.text
    # the npy files keep the annotation exactly as given
    ds = load_npy_dataset(tmp_path)
    spans = dict(zip(ds.train_texts + ds.test_texts, ds.train_spans + ds.test_spans, strict=True))
    assert (12, 17, "MODEL") in spans["2015 Toyota CamryLE"]
    assert (4, 6, "MODEL") in spans["Ford  Focus"]


# ------------------------------------------------------------------------------------------ bad input


def test_bad_records_raise_before_anything_is_written(tmp_path: Path) -> None:
    records = [
        Record("A", "title", "2015 Honda Civic", [(0, 4, "YEAR")]),
        Record("B", "title", "VW Golf", [(3, 40, "MODEL")]),
        Record("C", "title", "Kia Rio", [(0, 3)]),  # type: ignore[list-item]
    ]
    with pytest.raises(DatasetError) as err:
        build_dataset(records, tmp_path / "out")
    msg = str(err.value)
    assert "record 1 (listing 'B'" in msg and "out of range" in msg
    assert "record 2 (listing 'C'" in msg
    assert not (tmp_path / "out").exists()


def test_existing_dataset_survives_a_failed_build(tiny_dataset_dir: Path, tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "data"
    shutil.copytree(tiny_dataset_dir, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    with pytest.raises(DatasetError):
        build_dataset([Record("A", "title", "x", [(0, 9, "MAKE")])] * 3, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


@pytest.fixture
def good_rows() -> tuple[list[Any], list[Any]]:
    train = [("2015 Honda Civic", [[0, 4, "YEAR"], [5, 10, "MAKE"], [11, 16, "MODEL"]]), ("VW Golf", [])]
    test = [("Ford Focus", [[0, 4, "MAKE"], [5, 10, "MODEL"]])]
    return train, test


def test_loader_reads_hand_made_files_with_any_labels(tmp_path: Path, make_npy_dataset: Any) -> None:
    d = make_npy_dataset(
        tmp_path,
        [("red Fiat Panda", [[0, 3, "COLOUR"], [4, 8, "MAKE"], [9, 14, "ZZ_CUSTOM"]])],
        [("blue Kia", [[0, 4, "COLOUR"], [5, 8, "MAKE"]])],
    )
    ds = load_npy_dataset(d)
    assert ds.labels == ["MAKE", "COLOUR", "ZZ_CUSTOM"]  # schema order first, then the user's own, sorted
    assert ds.train_spans == [[(0, 3, "COLOUR"), (4, 8, "MAKE"), (9, 14, "ZZ_CUSTOM")]]


def test_missing_file_is_named(tmp_path: Path, make_npy_dataset: Any, good_rows: Any) -> None:
    d = make_npy_dataset(tmp_path, *good_rows)
    (d / "labels_test.npy").unlink()
    with pytest.raises(DatasetError, match=r"labels_test\.npy: missing file"):
        load_npy_dataset(d)


def test_mismatched_lengths_name_the_file_and_index(
    tmp_path: Path, make_npy_dataset: Any, good_rows: Any
) -> None:
    d = make_npy_dataset(tmp_path, *good_rows)
    np.save(d / "text_train.npy", np.array(["2015 Honda Civic", "VW Golf", "Kia Rio"], dtype=str))
    with pytest.raises(DatasetError) as err:
        load_npy_dataset(d)
    assert "labels_train.npy: 2 entries but text_train.npy has 3 texts" in str(err.value)
    assert "first unmatched index 2" in str(err.value)


def test_span_out_of_range_names_file_and_index(
    tmp_path: Path, make_npy_dataset: Any, good_rows: Any
) -> None:
    train, _ = good_rows
    d = make_npy_dataset(tmp_path, train, [("Ford Focus", [[0, 4, "MAKE"]]), ("Kia", [[0, 30, "MAKE"]])])
    with pytest.raises(DatasetError, match=r"labels_test\.npy\[1\]: span 0 \[0, 30, 'MAKE'\] out of range"):
        load_npy_dataset(d)


def test_unknown_label_in_config_names_file_and_index(
    tmp_path: Path, make_npy_dataset: Any, good_rows: Any
) -> None:
    d = make_npy_dataset(tmp_path, *good_rows)
    with pytest.raises(DatasetError, match=r"labels_train\.npy\[0\]: span 2 has unknown label 'MODEL'"):
        load_npy_dataset(d, labels=["YEAR", "MAKE"])
    assert load_npy_dataset(d, labels=["MAKE", "MODEL", "YEAR", "TRIM"]).labels == [
        "MAKE",
        "MODEL",
        "YEAR",
        "TRIM",
    ]


def test_bad_json_names_file_and_index(tmp_path: Path, make_npy_dataset: Any, good_rows: Any) -> None:
    d = make_npy_dataset(tmp_path, *good_rows)
    np.save(d / "labels_train.npy", np.array(['[[0, 4, "YEAR"]]', "[[0, 2, MAKE]]"], dtype=str))
    with pytest.raises(DatasetError, match=r"labels_train\.npy\[1\]: not valid JSON"):
        load_npy_dataset(d)


def test_pickled_object_arrays_are_refused_with_a_way_out(
    tmp_path: Path, make_npy_dataset: Any, good_rows: Any, caplog: pytest.LogCaptureFixture
) -> None:
    d = make_npy_dataset(tmp_path, *good_rows)
    np.save(d / "text_train.npy", np.array(["2015 Honda Civic", "VW Golf"], dtype=object), allow_pickle=True)
    with pytest.raises(DatasetError) as err:
        load_npy_dataset(d)
    msg = str(err.value)
    assert "text_train.npy" in msg and "pickled object array" in msg and "dtype=str" in msg
    with caplog.at_level(logging.WARNING):
        ds = load_npy_dataset(d, allow_pickle=True)
    assert ds.train_texts == ["2015 Honda Civic", "VW Golf"]
    assert "allow_pickle=True" in caplog.text


def test_wrong_dtype_is_explained(tmp_path: Path, make_npy_dataset: Any, good_rows: Any) -> None:
    d = make_npy_dataset(tmp_path, *good_rows)
    np.save(d / "text_test.npy", np.array([1, 2, 3]))
    with pytest.raises(DatasetError, match=r"text_test\.npy: expected a unicode string array"):
        load_npy_dataset(d)


# ------------------------------------------------------------------------------------------ from the database


def _seed_db(url: str, listings: list[Any]) -> None:
    """A real SQLite database: listings, tasks, gold (simulated annotator) and distant annotations."""
    from carner.annotation.store import ensure_tasks, store_annotation
    from carner.db.engine import make_engine, session_factory, upgrade
    from carner.db.models import AnnotationTask, Listing

    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        for item in listings:
            session.add(
                Listing(item_id=item.item_id, url=f"http://127.0.0.1/itm/{item.item_id}", title=item.title)
            )
        session.flush()
        ensure_tasks(session, fields=("title",))
        tasks = {t.listing.item_id: t for t in session.query(AnnotationTask)}
        for i, item in enumerate(listings):
            task = tasks[item.item_id]
            # distant: only the first span (as a weak pre-annotation would); gold on two thirds
            store_annotation(session, task, item.title_spans[:1], "distant")
            if i % 3:
                store_annotation(session, task, item.title_spans, "simulated", annotator="test")
        session.commit()
    engine.dispose()


def test_cli_dataset_build_from_database(tmp_path: Path, sandbox_listings: list[Any]) -> None:
    from typer.testing import CliRunner

    from carner.cli import app

    listings = sandbox_listings[:60]
    url = f"sqlite:///{tmp_path / 'carner.db'}"
    _seed_db(url, listings)
    runner = CliRunner()
    out = tmp_path / "gold"
    res = runner.invoke(app, ["dataset", "build", "--db", url, "--out", str(out), "--seed", "2"])
    assert res.exit_code == 0, res.output
    assert "train:" in res.output and "test:" in res.output
    ds = load_npy_dataset(out)
    gold = {item.title: sorted(item.title_spans) for i, item in enumerate(listings) if i % 3}
    got = dict(zip(ds.train_texts + ds.test_texts, ds.train_spans + ds.test_spans, strict=True))
    assert set(got) <= set(gold) and len(got) >= len({normalise_text(t) for t in gold}) - 1
    assert all(got[t] == gold[t] for t in got)

    both = tmp_path / "both"
    res = runner.invoke(app, ["dataset", "build", "--db", url, "--out", str(both), "--source", "both"])
    assert res.exit_code == 0, res.output
    manifest = read_manifest(both)
    assert manifest["input_records"] == len(listings)
    sources = Counter()
    for split in ("train", "test"):
        sources.update(manifest["counts"][split]["sources"])
    assert sources["gold"] >= 1 and sources["distant"] >= 1


def test_cli_dataset_build_errors_are_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from carner.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["dataset", "build", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert res.exit_code == 2 and "no database at" in res.output
    res = runner.invoke(app, ["dataset", "build", "--source", "silver", "--db", "sqlite://"])
    assert res.exit_code == 2 and "--source 'silver'" in res.output


def test_npy_file_names_are_the_researchs() -> None:
    assert sorted(NPY_FILES.values()) == [
        "labels_test.npy",
        "labels_train.npy",
        "text_test.npy",
        "text_train.npy",
    ]
