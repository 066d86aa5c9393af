"""Live sync against a real doccano 1.8.4 (own venv, gunicorn + celery on 127.0.0.1)."""

from __future__ import annotations

import pytest
from carner.annotation.doccano import ExportConfig
from carner.annotation.store import ensure_tasks, iter_annotated_texts, store_distant
from carner.annotation.sync import DoccanoClient, DoccanoError, pull, push

pytestmark = pytest.mark.doccano

MAKES = [
    ("Chevrolet", "Chevy", "Silverado"),
    ("Volkswagen", "VW", "Golf"),
    ("Citroën", "Citroën", "C4 Picasso"),
    ("Škoda", "Škoda", "Octavia"),
    ("Mercedes-Benz", "Merc", "E-Class"),
    ("Ford", "Ford", "F-150"),
]


@pytest.fixture
def listings(session, add_listing):
    for i in range(24):
        make, surface, model = MAKES[i % len(MAKES)]
        year = 2000 + i
        extra = " 🚗" if i % 5 == 0 else ""
        add_listing(
            session,
            f"3000000000{i:02d}",
            f"{year} {surface} {model} – {40 + i}k miles{extra}",
            {"Make": make, "Model": model, "Year": str(year), "Mileage": f"{(40 + i) * 1000:,}"},
        )
    ensure_tasks(session)
    store_distant(session)
    session.commit()
    return session


def test_push_edit_two_pull(listings, doccano_server, tmp_path):
    client = DoccanoClient(doccano_server.url, doccano_server.username, doccano_server.password, poll_s=0.2)
    assert doccano_server.password not in repr(client)

    first = push(listings, client, "carner-live", ExportConfig(seed=3))
    assert first.pushed == 24 and first.project_created
    again = push(listings, client, "carner-live", ExportConfig(seed=3))  # idempotent: nothing new
    assert again.pushed == 0 and again.already_there == 24 and not again.project_created

    pid = first.project_id
    examples = list(client.examples(pid))
    assert len(examples) == 24
    # doccano kept our texts (UTF-8 forced) and the pre-annotations as the uploader's spans
    by_listing = {ex["meta"]["listing_id"]: ex for ex in examples}
    emoji = by_listing["300000000000"]
    assert emoji["text"] == "2000 Chevy Silverado – 40k miles 🚗"
    types = client.span_types(pid)
    names = {v: k for k, v in types.items()}
    spans = client.spans(pid, emoji["id"])
    assert sorted((s["start_offset"], s["end_offset"], names[s["label"]]) for s in spans) == [
        (0, 4, "YEAR"),
        (5, 10, "MAKE"),
        (11, 20, "MODEL"),
        (23, 32, "MILEAGE"),
    ]

    # An annotator corrects two examples in the UI (= these REST calls) and confirms them.
    edited = {}
    golf = by_listing["300000000001"]  # "2001 VW Golf – 41k miles"
    for span in client.spans(pid, golf["id"]):
        if names[span["label"]] == "MILEAGE":
            client.delete_span(pid, golf["id"], span["id"])
    client.add_span(pid, golf["id"], 15, 18, types["MILEAGE"])  # only "41k", unit left out
    edited["300000000001"] = [(0, 4, "YEAR"), (5, 7, "MAKE"), (8, 12, "MODEL"), (15, 18, "MILEAGE")]
    merc = by_listing["300000000004"]  # "2004 Merc E-Class – 44k miles"
    for span in client.spans(pid, merc["id"]):
        if names[span["label"]] == "MODEL":
            client.delete_span(pid, merc["id"], span["id"])
    client.add_span(pid, merc["id"], 10, 11, types["MODEL"])
    client.add_span(
        pid, merc["id"], 12, 17, types["BODY"]
    )  # "Class" is not a body, but the annotator says so
    edited["300000000004"] = [
        (0, 4, "YEAR"),
        (5, 9, "MAKE"),
        (10, 11, "MODEL"),
        (12, 17, "BODY"),
        (20, 29, "MILEAGE"),
    ]
    for ex in (golf, merc):
        client.confirm(pid, ex["id"])

    result = pull(listings, client, "carner-live", save_dir=tmp_path / "pulls")
    assert result.archive is not None and result.archive.is_file()
    assert result.imported.added == 2 and result.imported.records == 2
    gold = {a.listing_key: a.spans for a in iter_annotated_texts(listings, "gold")}
    assert gold == edited
    # pulling again changes nothing
    assert pull(listings, client, "carner-live").imported.changed == 0


def test_wrong_password_is_a_clear_error_without_the_password(doccano_server):
    client = DoccanoClient(doccano_server.url, doccano_server.username, "not-the-password-xyz")
    with pytest.raises(DoccanoError) as err:
        client.find_project("anything")
    assert "auth/login" in str(err.value) and "not-the-password-xyz" not in str(err.value)
