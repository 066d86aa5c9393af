"""Task creation, versioned annotation storage and what the dataset export reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from carner.annotation.store import (
    ensure_tasks,
    iter_annotated_texts,
    store_annotation,
    store_distant,
    text_hash,
)
from carner.db.models import Annotation, AnnotationTask
from sqlalchemy import func, select


def _seed(session, add_listing):
    add_listing(
        session,
        "100000000001",
        "2015 Chevy Silverado 1500 LT",
        {"Make": "Chevrolet", "Model": "Silverado 1500", "Year": "2015", "Trim": "LT"},
        description="Clean truck, one owner.",
    )
    add_listing(
        session, "100000000002", "VW Golf GTI 2019", {"Make": "Volkswagen", "Model": "Golf", "Year": 2019}
    )
    add_listing(session, "100000000003", "Toyota Corolla", {"Make": "Toyota", "Model": "Corolla"})


def test_ensure_tasks_is_idempotent_and_tracks_text_changes(session, add_listing):
    _seed(session, add_listing)
    first = ensure_tasks(session, fields=("title", "description"))
    assert (first.created, first.skipped_empty) == (4, 2)  # two listings have no description
    again = ensure_tasks(session, fields=("title", "description"))
    assert (again.created, again.changed, again.unchanged) == (0, 0, 4)

    task = session.scalars(select(AnnotationTask).where(AnnotationTask.field == "title")).first()
    store_annotation(session, task, [(0, 4, "YEAR")], "doccano")
    task.listing.title = "2016 Chevy Silverado 1500 LT"  # a re-crawl changed the title
    changed = ensure_tasks(session, fields=("title",))
    assert changed.changed == 1
    assert task.text_hash == text_hash("2016 Chevy Silverado 1500 LT")
    # the annotation on the old text is kept as history, no longer in force
    assert (
        session.scalar(select(func.count()).select_from(Annotation).where(Annotation.current.is_(True))) == 0
    )
    assert session.scalar(select(func.count()).select_from(Annotation)) == 1


def test_store_distant_then_gold_outranks_distant(session, add_listing):
    _seed(session, add_listing)
    ensure_tasks(session)
    counts = store_distant(session)
    assert counts.tasks == 3 and counts.outcomes == {"added": 3}
    assert store_distant(session).outcomes == {"unchanged": 3}  # idempotent

    distant = {a.listing_key: a for a in iter_annotated_texts(session, "distant")}
    golf = distant["100000000002"]
    assert [golf.text[s:e] for s, e, _ in golf.spans] == ["VW", "Golf", "2019"]
    assert golf.source == "distant"
    assert list(iter_annotated_texts(session, "gold")) == []

    task = session.scalars(
        select(AnnotationTask).join(AnnotationTask.listing).where(AnnotationTask.text == golf.text)
    ).one()
    gold_spans = [(0, 2, "MAKE"), (3, 7, "MODEL"), (8, 11, "TRIM"), (12, 16, "YEAR")]
    assert store_annotation(session, task, gold_spans, "doccano", annotator="ann1") == "added"
    both = {a.listing_key: a for a in iter_annotated_texts(session, "both")}
    assert both["100000000002"].source == "gold" and both["100000000002"].spans == gold_spans
    assert both["100000000001"].source == "distant"
    assert [a.listing_key for a in iter_annotated_texts(session, "gold")] == ["100000000002"]


def test_versions_keep_history_and_reject_older_exports(session, add_listing):
    _seed(session, add_listing)
    ensure_tasks(session)
    task = session.scalars(select(AnnotationTask)).first()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    assert store_annotation(session, task, [(0, 4, "YEAR")], "doccano", exported_at=t0) == "added"
    assert store_annotation(session, task, [(0, 4, "YEAR")], "doccano", exported_at=t0) == "unchanged"
    newer = [(0, 4, "YEAR"), (5, 10, "MAKE")]
    assert store_annotation(session, task, newer, "doccano", exported_at=t0 + timedelta(days=1)) == "replaced"
    assert store_annotation(session, task, [(5, 10, "MAKE")], "doccano", exported_at=t0) == "older"
    session.commit()
    rows = session.scalars(
        select(Annotation).where(Annotation.task_id == task.id).order_by(Annotation.id)
    ).all()
    assert [(r.current, r.spans) for r in rows] == [
        (False, [[0, 4, "YEAR"]]),
        (True, [[0, 4, "YEAR"], [5, 10, "MAKE"]]),
    ]
    gold = next(iter_annotated_texts(session, "gold"))
    assert gold.spans == [(0, 4, "YEAR"), (5, 10, "MAKE")]


def test_description_field_is_opt_in(session, add_listing):
    _seed(session, add_listing)
    ensure_tasks(session, fields=("title", "description"))
    store_distant(session, fields=("title", "description"))
    assert {a.field for a in iter_annotated_texts(session, "distant")} == {"title"}
    fields = {a.field for a in iter_annotated_texts(session, "distant", fields=("title", "description"))}
    assert fields == {"title", "description"}
