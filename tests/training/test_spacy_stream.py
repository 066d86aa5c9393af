"""Streamed spaCy training data: every doc once per pass, a new order each pass, one shard in memory."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from carner.training.spacy_docs import blank_nlp
from carner.training.spacy_stream import (
    READER,
    count_docs,
    read_shuffled,
    register_reader,
    shard_files,
    write_shards,
)

TEXTS = [f"{2000 + i} Ford Focus {i}" for i in range(25)]
SPANS = [[(0, 4, "YEAR"), (5, 9, "MAKE"), (10, 15, "MODEL")] for _ in TEXTS]


@pytest.fixture
def shards(tmp_path: Path) -> Path:
    stats = write_shards(tmp_path / "train", TEXTS, SPANS, blank_nlp(), shard_size=10, seed=3)
    assert stats.texts == 25 and stats.spans == 75 and stats.aligned == 75 and stats.dropped == 0
    return tmp_path / "train"


def test_shards_hold_every_text_once_in_a_shuffled_order(shards: Path) -> None:
    from spacy.tokens import DocBin

    nlp = blank_nlp()
    files = shard_files(shards)
    assert [f.name for f in files] == ["shard-00000.spacy", "shard-00001.spacy", "shard-00002.spacy"]
    per_shard = [[d.text for d in DocBin().from_disk(f).get_docs(nlp.vocab)] for f in files]
    assert [len(x) for x in per_shard] == [10, 10, 5] and count_docs(shards) == 25
    flat = [t for shard in per_shard for t in shard]
    assert sorted(flat) == sorted(TEXTS) and flat != TEXTS  # all there, not in input order
    doc = next(DocBin().from_disk(files[0]).get_docs(nlp.vocab))
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == SPANS[0]


def test_each_pass_yields_every_example_once_in_a_new_order(shards: Path) -> None:
    nlp = blank_nlp()
    rng = random.Random(0)
    first = [eg.reference.text for eg in read_shuffled(shards, nlp, rng)]
    second = [eg.reference.text for eg in read_shuffled(shards, nlp, rng)]
    assert Counter(first) == Counter(TEXTS) == Counter(second)
    assert first != second
    again = [eg.reference.text for eg in read_shuffled(shards, nlp, random.Random(0))]
    assert again == first  # seeded: reproducible


def test_registered_reader_is_seeded_by_spacy_and_refuses_what_it_cannot_do(shards: Path) -> None:
    import spacy

    register_reader()
    register_reader()  # idempotent
    make = spacy.registry.readers.get(READER)
    nlp = blank_nlp()

    def two_passes() -> list[list[str]]:
        random.seed(11)  # what spaCy's fix_random_seed does before building the corpus
        read = make(path=shards)
        return [[eg.x.text for eg in read(nlp)] for _ in range(2)]

    a, b = two_passes(), two_passes()
    assert a == b and a[0] != a[1]
    with pytest.raises(ValueError, match="not supported"):
        make(path=shards, limit=5)
    with pytest.raises(FileNotFoundError, match="missing"):
        list(make(path=shards.parent / "missing")(nlp))


def test_bad_shard_size_is_refused() -> None:
    with pytest.raises(ValueError, match="shard_size"):
        write_shards(Path("unused"), TEXTS, SPANS, blank_nlp(), shard_size=0)
