"""What to annotate next, and the demo's simulated annotator end to end on sandbox listings."""

from __future__ import annotations

import json

import pytest
from carner.annotation.doccano import ExportConfig, export_jsonl, import_jsonl
from carner.annotation.select import (
    Committee,
    ConfidenceModel,
    PredictingModel,
    select_tasks,
    span_agreement,
    vote_agreement,
)
from carner.annotation.simulate import simulate_annotator
from carner.annotation.store import ensure_tasks, iter_annotated_texts, store_annotation, store_distant
from carner.db.models import AnnotationTask
from sqlalchemy import select


class LengthConfidence:
    """A real (if simple) model for the protocol: longer titles are 'surer'."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def confidence(self, texts: list[str]) -> list[float]:
        self.calls.append(len(texts))
        return [min(1.0, len(t) / 100) for t in texts]


@pytest.fixture
def many(session, add_listing):
    for i in range(30):
        add_listing(session, f"5000000000{i:02d}", "Ford Focus " + "x" * (i * 3 % 40 + 1), {"Make": "Ford"})
    ensure_tasks(session)
    store_distant(session)
    session.commit()
    return session


def test_random_is_seeded_and_limited(many):
    a = [t.id for t in select_tasks(many, strategy="random", limit=10, seed=1).tasks]
    b = [t.id for t in select_tasks(many, strategy="random", limit=10, seed=1).tasks]
    c = [t.id for t in select_tasks(many, strategy="random", limit=10, seed=2).tasks]
    assert a == b and a != c and len(set(a)) == 10


def test_uncertainty_ranks_lowest_confidence_first_in_batches(many):
    model = LengthConfidence()
    assert isinstance(model, ConfidenceModel)
    chosen = select_tasks(many, strategy="uncertainty", limit=5, model=model, batch_size=8)
    assert chosen.strategy == "uncertainty" and chosen.fallback_reason is None
    assert model.calls == [8, 8, 8, 6]
    assert chosen.confidences == sorted(chosen.confidences)
    every = sorted(min(1.0, len(t.text) / 100) for t in many.scalars(select(AnnotationTask)))
    assert chosen.confidences == every[:5]


def test_uncertainty_without_model_falls_back_to_random(many):
    chosen = select_tasks(many, strategy="uncertainty", limit=4, seed=1)
    assert chosen.strategy == "random" and "no model" in chosen.fallback_reason
    assert [t.id for t in chosen.tasks] == [t.id for t in select_tasks(many, limit=4, seed=1).tasks]


class FordModel(LengthConfidence):
    """Tags every "Ford" as MAKE; also tags "Focus" as MODEL in titles of odd length."""

    def predict(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        out = []
        for t in texts:
            spans = [(0, 4, "MAKE")] if t.startswith("Ford") else []
            if len(t) % 2 and "Focus" in t:
                spans.append((t.index("Focus"), t.index("Focus") + 5, "MODEL"))
            out.append(spans)
        return out


def test_span_agreement_is_exact_span_f1():
    assert span_agreement([], []) == 1.0
    assert span_agreement([(0, 4, "MAKE")], [(0, 4, "MAKE")]) == 1.0
    assert span_agreement([(0, 4, "MAKE")], [(0, 4, "MODEL")]) == 0.0  # same place, other label
    assert span_agreement([(0, 4, "MAKE"), (5, 10, "MODEL")], [[0, 4, "MAKE"]]) == pytest.approx(2 / 3)
    assert span_agreement([(0, 4, "MAKE")], []) == 0.0


def test_disagreement_puts_model_vs_preannotation_conflicts_first(many):
    # Pre-annotation from {"Make": "Ford"} is [(0, 4, MAKE)] everywhere; the model adds a MODEL span in
    # odd-length titles, so exactly those disagree (agreement 2/3) and come first, surest last among them.
    lone = many.scalars(select(AnnotationTask).order_by(AnnotationTask.id)).all()
    odd = {t.id for t in lone if len(t.text) % 2}
    assert 0 < len(odd) < len(lone)
    model = FordModel()
    assert isinstance(model, PredictingModel)
    chosen = select_tasks(many, strategy="disagreement", model=model, batch_size=7)
    assert chosen.strategy == "disagreement"
    first = chosen.tasks[: len(odd)]
    assert {t.id for t in first} == odd
    assert chosen.agreements[: len(odd)] == [pytest.approx(2 / 3)] * len(odd)
    assert set(chosen.agreements[len(odd) :]) == {1.0}
    assert chosen.confidences[: len(odd)] == sorted(chosen.confidences[: len(odd)])  # ties: least sure first
    # The same model under `uncertainty` ignores the pre-annotation: a different order.
    plain = select_tasks(many, strategy="uncertainty", model=model)
    assert [t.id for t in plain.tasks] != [t.id for t in chosen.tasks]


def test_disagreement_without_a_preannotation_has_no_second_vote(session, add_listing):
    add_listing(session, "600000000001", "Ford Focus x", {"Make": "Ford"})  # even length: agrees
    add_listing(session, "600000000002", "Ford Focus xy", {"Make": "Ford"})  # odd: model adds MODEL
    ensure_tasks(session)
    session.commit()  # no store_distant: nothing to disagree with
    chosen = select_tasks(session, strategy="disagreement", model=FordModel())
    assert chosen.agreements == [1.0, 1.0]
    store_distant(session)
    session.commit()
    chosen = select_tasks(session, strategy="disagreement", model=FordModel())
    assert [t.text for t in chosen.tasks] == ["Ford Focus xy", "Ford Focus x"]
    assert chosen.agreements == [pytest.approx(2 / 3), 1.0]


def test_disagreement_needs_a_predicting_model(many):
    with pytest.raises(ValueError, match="predict"):
        select_tasks(many, strategy="disagreement", model=LengthConfidence())
    chosen = select_tasks(many, strategy="disagreement", limit=3, seed=4)
    assert (
        chosen.strategy == "random"
        and "disagreement sampling needs a trained model" in chosen.fallback_reason
    )


class MakeOnlyModel(LengthConfidence):
    """Tags every "Ford" as MAKE and nothing else: votes with FordModel except on odd-length titles."""

    def predict(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [[(0, 4, "MAKE")] if t.startswith("Ford") else [] for t in texts]


def test_vote_agreement_is_mean_pairwise_span_f1():
    make, model = [(0, 4, "MAKE")], [(5, 10, "MODEL")]
    assert vote_agreement([make, make]) == 1.0 and vote_agreement([make]) == 1.0
    assert vote_agreement([make, model]) == 0.0
    assert vote_agreement([make, make, model]) == pytest.approx(1 / 3)  # 1 of 3 pairs agrees


def test_committee_puts_member_conflicts_first(many):
    lone = many.scalars(select(AnnotationTask).order_by(AnnotationTask.id)).all()
    odd = {t.id for t in lone if len(t.text) % 2}
    committee = Committee([FordModel(), MakeOnlyModel()])
    chosen = select_tasks(many, strategy="committee", model=committee, batch_size=7)
    assert chosen.strategy == "committee"
    assert {t.id for t in chosen.tasks[: len(odd)]} == odd  # FordModel adds MODEL only there
    assert chosen.agreements[: len(odd)] == [pytest.approx(2 / 3)] * len(odd)
    assert set(chosen.agreements[len(odd) :]) == {1.0}
    assert chosen.confidences[: len(odd)] == sorted(chosen.confidences[: len(odd)])
    assert committee.kind == "committee of FordModel + MakeOnlyModel"
    assert committee.predict(["Ford Focus x"]) == FordModel().predict(["Ford Focus x"])  # the head


def test_committee_needs_a_committee(many):
    with pytest.raises(ValueError, match="at least two"):
        Committee([FordModel()])
    with pytest.raises(ValueError, match="no predict"):
        Committee([FordModel(), LengthConfidence()])
    with pytest.raises(ValueError, match="Committee of two or more"):
        select_tasks(many, strategy="committee", model=FordModel())


def test_annotated_texts_are_left_out_unless_asked(many):
    task = many.scalars(select(AnnotationTask)).first()
    store_annotation(many, task, [(0, 4, "MAKE")], "doccano")
    many.commit()
    assert task.id not in {t.id for t in select_tasks(many).tasks}
    assert task.id in {t.id for t in select_tasks(many, include_annotated=True).tasks}
    with pytest.raises(ValueError, match="unknown strategy"):
        select_tasks(many, strategy="smart")


def test_simulated_annotator_round_trip_gives_sandbox_gold(session, add_listing, tmp_path):
    from carner.scraper.sandbox.generator import generate_listings

    listings = generate_listings(40, seed=5)
    for x in listings:
        add_listing(session, x.item_id, x.title, x.specifics, x.description)
    ensure_tasks(session)
    store_distant(session)
    session.commit()

    exported = export_jsonl(session, tmp_path / "batch.jsonl", ExportConfig(limit=25, seed=2))
    result = simulate_annotator(exported.file, tmp_path / "batch.simulated.jsonl", listings)
    assert result.lines == 25 and result.skipped_unknown == 0
    assert result.corrected + result.unchanged == 25 and result.corrected > 0
    first = json.loads((tmp_path / "batch.simulated.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert list(first)[0] == "id" and "Comments" in first  # shaped like doccano's export

    imported = import_jsonl(session, result.file, source="simulated")
    assert imported.added == 25
    truth = {x.item_id: sorted(x.title_spans) for x in listings}
    gold = list(iter_annotated_texts(session, "gold"))
    assert len(gold) == 25
    assert all(a.spans == truth[a.listing_key] for a in gold)
