"""Linking spans to eBay-style records: canonical names, vPIC ids, the existence flag, and every door."""

from __future__ import annotations

import json
from typing import Any

import requests
from carner.annotation.link import link
from typer.testing import CliRunner

import carner
from carner.cli import app
from carner.common.vpic import load


def spans_of(text: str, *parts: tuple[str, str]) -> list[tuple[int, int, str]]:
    return [(text.index(word), text.index(word) + len(word), label) for word, label in parts]


def test_aliases_become_canonical_makes_and_models_with_vpic_ids() -> None:
    text = "2005 Merc C300 4dr Sedan 84k miles"
    rec = link(
        text,
        spans_of(
            text,
            ("2005", "YEAR"),
            ("Merc", "MAKE"),
            ("C300", "MODEL"),
            ("4dr Sedan", "BODY"),
            ("84k miles", "MILEAGE"),
        ),
    )
    assert rec.specifics == {
        "Year": "2005",
        "Make": "Mercedes-Benz",
        "Model": "C-Class",
        "Trim": "C300",
        "Body Type": "Sedan",
        "Mileage": "84,000",
    }
    assert rec.vpic_make_id == load().vpic_make_id("Mercedes-Benz") and rec.vpic_model_ids
    assert rec.exists is True and 0.5 < rec.confidence <= 1.0
    for make, written in (("Chevrolet", "Chevy"), ("Volkswagen", "VW")):
        text = f"2010 {written} Malibu" if make == "Chevrolet" else f"2010 {written} Jetta"
        assert link(text, spans_of(text, (written, "MAKE"))).specifics["Make"] == make


def test_a_model_without_its_make_names_the_make() -> None:
    text = "2010 5-Series 528i xDrive"
    rec = link(text, spans_of(text, ("2010", "YEAR"), ("5-Series", "MODEL"), ("528i xDrive", "TRIM")))
    assert (rec.specifics["Make"], rec.specifics["Model"], rec.specifics["Trim"]) == (
        "BMW",
        "5-Series",
        "528i xDrive",
    )
    bmw_528i = load().model("BMW", "528i")
    assert bmw_528i is not None
    assert rec.vpic_model_ids == [m.id for m in bmw_528i.vpic]  # narrowed by the trim


def test_a_model_span_that_stops_short_or_runs_on_is_read_as_the_known_model() -> None:
    text = "1986 Chevrolet Monte Carlo SS"
    short = link(text, spans_of(text, ("Chevrolet", "MAKE"), ("Monte", "MODEL"), ("Carlo SS", "TRIM")))
    assert (short.specifics["Model"], short.specifics.get("Trim")) == ("Monte Carlo", "SS")
    text = "2021 BMW M340i CLEAN CARFAX"
    long = link(text, spans_of(text, ("BMW", "MAKE"), ("M340i CLEAN CARFAX", "MODEL")))
    assert long.specifics["Model"] == "3-Series" and long.specifics["Trim"] == "M340i"
    text = "2008 Ford Crown Victoria LX"  # a known model stays as the span says
    exact = link(text, spans_of(text, ("Ford", "MAKE"), ("Crown Victoria", "MODEL"), ("LX", "TRIM")))
    assert (exact.specifics["Model"], exact.specifics["Trim"]) == ("Crown Victoria", "LX")


def test_existence_flag() -> None:
    text = "1995 Chevrolet Impala SS"
    rec = link(
        text, spans_of(text, ("1995", "YEAR"), ("Chevrolet", "MAKE"), ("Impala", "MODEL"), ("SS", "TRIM"))
    )
    # vPIC files the 1994-96 Impala SS under Caprice; eBay's reading knows it
    assert rec.exists is True and not rec.notes
    text = "2012 Karma EcoSport"
    rec = link(text, spans_of(text, ("2012", "YEAR"), ("Karma", "MAKE"), ("EcoSport", "MODEL")))
    assert rec.exists is False and any("no such car" in n for n in rec.notes)
    assert (
        rec.confidence
        < link(
            "2012 Karma Revero", spans_of("2012 Karma Revero", ("Karma", "MAKE"), ("Revero", "MODEL"))
        ).confidence
    )


def test_titles_without_spans_link_from_their_words() -> None:
    assert link("VW Golf IV 1.9 TDI", []).specifics["Make"] == "Volkswagen"
    assert link("Corsa C 1.2 TÜV neu", []).specifics["Make"] == "Opel"
    assert link("Schoene 320d", []).specifics["Make"] == "BMW"
    assert link("Zu verkaufen", []).specifics == {}
    cases = {
        "Peugoet 206+60": "Peugeot",  # misspelt
        "Peugeot206 CC": "Peugeot",  # glued
        "BMW520 i 2L": "BMW",  # glued, the make in capitals
        "Youngtimer AUDI80 B4": "Audi",
        "V8 Range Rover 4.6 HSE": "Land Rover",  # a model ending in another make's name
        "A Klasse 140": "Mercedes-Benz",
        "Verkaufe c 180 neu tuev": "Mercedes-Benz",
        "Astra G Caravan 1.7 DTI": "Opel",  # Opel's, not the Saturn of 2008-09
        "Super Astra H 1.4": "Opel",  # "Super" is a Buick model and a German word
        "Sprinter 216 cdi": "Mercedes-Benz",
    }
    assert {t: link(t, []).specifics.get("Make") for t in cases} == cases


def test_api_link_and_predict_records(tiny_models: Any) -> None:
    text = "1995 Chevy Impala"
    one = carner.link(text, spans_of(text, ("1995", "YEAR"), ("Chevy", "MAKE"), ("Impala", "MODEL")))
    assert one["Make"] == "Chevrolet" and one["Model"] == "Impala" and one["exists"] is True
    titles = tiny_models.titles[:4]
    records = carner.predict(titles, model=tiny_models.make_year, records=True)
    spans = carner.predict(titles, model=tiny_models.make_year)
    assert len(records) == len(titles)
    assert records == carner.link(titles, spans)
    assert all(
        r["Make"] == load().make(t[s:e])
        for r, t, row in zip(records, titles, spans, strict=True)
        for s, e, lab in row[:1]
        if lab == "MAKE" and load().make(t[s:e])
    )
    assert isinstance(carner.predict(titles[0], model=tiny_models.make_year, records=True), dict)


def test_cli_predict_records(tiny_models: Any) -> None:
    titles = tiny_models.titles[:3]
    res = CliRunner().invoke(app, ["predict", "--model", str(tiny_models.make_year), "--records", *titles])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    assert [line["text"] for line in lines] == titles
    assert [line["record"] for line in lines] == carner.predict(
        titles, model=tiny_models.make_year, records=True
    )
    assert all("Make" in line["record"] and "confidence" in line["record"] for line in lines)


def test_server_predict_records(tiny_models: Any) -> None:
    from carner.serve.model_server import ModelHolder, ServeLimits, ServerThread, create_app, directory_ref

    holder = ModelHolder(lambda: directory_ref(tiny_models.make_year), follows_registry=False)
    holder.refresh()
    server = ServerThread(create_app(holder, ServeLimits())).start()
    try:
        title = tiny_models.titles[0]
        body = requests.post(f"{server.url}/predict?records=1", json={"text": title}, timeout=30).json()
        assert body["record"] == carner.link(
            title, [(s["start"], s["end"], s["label"]) for s in body["spans"]]
        ) | {"confidence": body["record"]["confidence"]}
        assert body["record"]["Make"]
        batch = requests.post(
            f"{server.url}/predict?records=1", json={"texts": [title, ""]}, timeout=30
        ).json()
        assert batch["results"][0]["record"]["Make"] == body["record"]["Make"]
        plain = requests.post(f"{server.url}/predict", json={"text": title}, timeout=30).json()
        assert "record" not in plain
    finally:
        server.stop()
