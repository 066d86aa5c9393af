"""`balanced` selection (rare labels first, greedy, no near-duplicates) and the correction count."""

from __future__ import annotations

from collections import Counter

import pytest
from carner.annotation.select import (
    Candidate,
    balanced_order,
    balanced_value,
    gold_label_counts,
    select_tasks,
    words,
)
from carner.annotation.simulate import Corrections, corrections
from carner.annotation.store import ensure_tasks, store_annotation, store_distant
from carner.db.models import AnnotationTask


def cand(labels: set[str], text: str, info: float = 0.0) -> Candidate:
    return Candidate(frozenset(labels), frozenset(words(text)), info)


def test_rare_labels_first_and_each_pick_counts():
    gold = Counter({"MAKE": 100, "MODEL": 100, "FUEL": 2, "COLOR": 2})
    cands = [
        cand({"MAKE", "MODEL"}, "Ford Focus Titanium"),
        cand({"MAKE", "FUEL"}, "Toyota Prius hybrid"),
        cand({"MAKE", "FUEL"}, "Nissan Leaf electric"),
        cand({"MAKE", "COLOR"}, "Audi A4 black"),
    ]
    order = balanced_order(cands, gold, 100, limit=3)
    # FUEL and COLOR are equally rare: one of each before the second FUEL text (its FUEL is now "seen")
    assert set(order[:2]) in ({1, 3}, {2, 3}) and len(order) == 3
    assert 0 not in order


def test_informativeness_scales_value_and_breaks_ties_in_input_order():
    gold = Counter({"MAKE": 10})
    a, b = cand({"MAKE"}, "Ford Focus"), cand({"MAKE"}, "Ford Fiesta", info=1.0)
    assert balanced_value(b, gold, 10) == pytest.approx(2 * balanced_value(a, gold, 10))
    assert balanced_order([a, b], gold, 10) == [1, 0]
    twins = [cand({"MAKE"}, "Kia Rio"), cand({"MAKE"}, "Kia Ceed")]
    assert balanced_order(twins, gold, 10, limit=1) == [0]


def test_near_duplicates_wait_until_the_end():
    gold = Counter({"MAKE": 50})
    cands = [
        cand({"MAKE", "COLOR"}, "2015 Ford Focus red"),
        cand({"MAKE", "COLOR"}, "2015 ford focus RED"),  # same word set
        cand({"MAKE"}, "Honda Civic"),
    ]
    assert balanced_order(cands, gold, 50) == [0, 2, 1]
    assert balanced_order(cands, gold, 50, limit=2) == [0, 2]
    assert balanced_order(cands, gold, 50, near_duplicate=1.01) == [0, 1, 2]  # dedup off


class ColourModel:
    """A real if simple model: tags "red"/"blue" as COLOR and the first word as MAKE."""

    def confidence(self, texts: list[str]) -> list[float]:
        return [0.9 for _ in texts]

    def predict(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        out = []
        for t in texts:
            spans = [(0, t.index(" "), "MAKE")]
            for colour in ("red", "blue"):
                if colour in t:
                    spans.append((t.index(colour), t.index(colour) + len(colour), "COLOR"))
            out.append(spans)
        return out


def test_select_tasks_balanced_prefers_unseen_labels(session, add_listing):
    titles = [f"Ford Focus {i} door" for i in range(8)] + ["Ford Focus red", "Audi A3 blue"]
    for i, title in enumerate(titles):
        add_listing(session, f"70000000{i:02d}", title, {"Make": title.split()[0]})
    ensure_tasks(session)
    store_distant(session)
    first = session.query(AnnotationTask).order_by(AnnotationTask.id).first()
    store_annotation(session, first, [(0, 4, "MAKE")], "simulated", annotator="test")
    session.commit()
    assert gold_label_counts(session) == (Counter({"MAKE": 1}), 1)
    chosen = select_tasks(session, strategy="balanced", limit=3, model=ColourModel(), seed=1)
    texts = [t.text for t in chosen.tasks]
    assert chosen.strategy == "balanced" and len(set(texts)) == 3 and first.text not in texts
    assert set(texts[:2]) == {"Ford Focus red", "Audi A3 blue"}
    with pytest.raises(ValueError, match="predict"):

        class OnlyConfidence:
            def confidence(self, texts: list[str]) -> list[float]:
                return [0.5 for _ in texts]

        select_tasks(session, strategy="balanced", limit=3, model=OnlyConfidence())


@pytest.mark.parametrize(
    ("prefilled", "gold", "expected"),
    [
        ([], [], Corrections(0, 0, 0)),
        ([(0, 4, "MAKE")], [(0, 4, "MAKE")], Corrections(0, 0, 0)),
        ([], [(0, 4, "MAKE"), (5, 10, "MODEL")], Corrections(2, 0, 0)),
        ([(0, 4, "MAKE"), (11, 15, "YEAR")], [(0, 4, "MAKE")], Corrections(0, 1, 0)),
        ([(0, 4, "MODEL")], [(0, 4, "MAKE")], Corrections(0, 0, 1)),  # relabel
        ([(0, 10, "MAKE")], [(0, 4, "MAKE"), (5, 10, "MODEL")], Corrections(1, 0, 1)),  # boundary + add
        ([[5, 10, "MODEL"], [0, 4, "MAKE"]], [(0, 4, "MAKE"), (5, 10, "MODEL")], Corrections(0, 0, 0)),
    ],
)
def test_corrections_count_edits(prefilled, gold, expected):
    got = corrections(prefilled, gold)
    assert got == expected and got.total == expected.added + expected.removed + expected.changed
