"""Distant supervision from item specifics: matching rules, then P/R floors on sandbox and real titles."""

from __future__ import annotations

from pathlib import Path

import pytest
from carner.annotation.check import check_real, check_sandbox, real_kleinanzeigen, real_sedans
from carner.annotation.preannotate import preannotate

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
TITLES = SHARED / "data" / "car-titles"
KLEIN = "autos_ebay-kleinanzeigen_dataquest-sample.csv"


def found(text: str, specifics: dict) -> list[tuple[str, str]]:
    return [(text[s:e], label) for s, e, label in preannotate(text, specifics)]


@pytest.mark.parametrize(
    ("text", "specifics", "expected"),
    [
        (
            "2015 Chevy Silverado 1500 LT",
            {"Make": "Chevrolet", "Model": "Silverado 1500", "Year": "2015"},
            [("2015", "YEAR"), ("Chevy", "MAKE"), ("Silverado 1500", "MODEL")],
        ),
        ("vw golf gti", {"Make": "Volkswagen", "Model": "Golf"}, [("vw", "MAKE"), ("golf", "MODEL")]),
        (
            "Merc E-Class",
            {"Make": "Mercedes-Benz", "Model": "E-Class"},
            [("Merc", "MAKE"), ("E-Class", "MODEL")],
        ),
        (
            "Mercedes-Benz E Class",
            {"Make": "Mercedes-Benz", "Model": "E-Class"},
            [("Mercedes-Benz", "MAKE"), ("E Class", "MODEL")],
        ),  # longest first: not "Benz"
        ("Benz 300SL", {"Make": "Mercedes-Benz"}, [("Benz", "MAKE")]),
        (
            "FORD F150 XLT",
            {"Make": "Ford", "Model": "F-150", "Trim": "XLT"},
            [("FORD", "MAKE"), ("F150", "MODEL"), ("XLT", "TRIM")],
        ),
        ("BMW 3-Series 328i", {"Make": "BMW", "Model": "3 Series"}, [("BMW", "MAKE"), ("3-Series", "MODEL")]),
        (
            "Citroen C4 Picasso",
            {"Make": "Citroën", "Model": "C4 Picasso"},
            [("Citroen", "MAKE"), ("C4 Picasso", "MODEL")],
        ),  # diacritics either way
        (
            "Škoda Octavia 🚗 2021",
            {"Make": "Skoda", "Model": "Octavia", "Year": 2021},
            [("Škoda", "MAKE"), ("Octavia", "MODEL"), ("2021", "YEAR")],
        ),
        (
            "Toyota Camry 45k miles",
            {"Make": "Toyota", "Mileage": "45,321"},
            [("Toyota", "MAKE"), ("45k miles", "MILEAGE")],
        ),
        ("Toyota Camry 45,321 mi.", {"Mileage": "45321"}, [("45,321 mi.", "MILEAGE")]),
        ("Golf 7 150 km", {"Mileage": "150"}, [("150 km", "MILEAGE")]),
        ("Golf 2.0 TDI 150km", {"Mileage": "150,000"}, []),  # 150 km is not 150,000
        (
            "Honda Civic 4dr Sedan 2.0L I4 6-Speed Manual",
            {"Body Type": "Sedan", "Engine": "2.0L I4", "Transmission": "Manual"},
            [("4dr Sedan", "BODY"), ("2.0L I4", "ENGINE"), ("6-Speed Manual", "TRANSMISSION")],
        ),
        (
            "Kia Other",
            {"Make": "Kia", "Model": "Other"},
            [("Kia", "MAKE")],
        ),  # eBay's placeholder names nothing
        (
            "Chevrolet Bel Air",
            {"Make": "Chevrolet", "Model": "Bel Air/150/210"},
            [("Chevrolet", "MAKE"), ("Bel Air", "MODEL")],
        ),
        ("Volkswagenisch Golfplatz", {"Make": "Volkswagen", "Model": "Golf"}, []),  # whole words only
        ("", {"Make": "Ford"}, []),
    ],
)
def test_matching_rules(text, specifics, expected):
    assert found(text, specifics) == expected


def test_spans_never_overlap_and_sit_on_text():
    from carner.scraper.sandbox.generator import generate_listings

    for x in generate_listings(300, 7):
        spans = preannotate(x.title, x.specifics)
        for (_s1, e1, _), (s2, _e2, _) in zip(spans, spans[1:], strict=False):
            assert e1 <= s2
        assert all(x.title[s:e].strip() == x.title[s:e] != "" for s, e, _ in spans)


def test_precision_recall_floors_on_sandbox_gold():
    """Floors, measured on 2,000 titles (seed 0): MAKE P .998 R .98, MODEL P .995 R .97, YEAR 1.0/1.0.

    Precision floors 0.95 for the headline labels (the issue's goal): distant labels train the models,
    so a wrong span costs more than a missed one. Recall floors sit under what the specifics allow:
    eBay's "Other"/"Other Makes" placeholders (about 4 % of listings) and seller typos ("Chrystler")
    cannot be found from the specifics, hence MAKE/MODEL >= 0.90. The other labels' specifics go
    missing more often (12 % each) and are written more freely, so their floors are lower.
    """
    report = check_sandbox(1000, seed=0)
    scores = report.scores
    for label in ("MAKE", "MODEL", "YEAR"):
        assert scores[label].precision >= 0.95, (label, scores[label])
    assert scores["MAKE"].recall >= 0.90 and scores["MODEL"].recall >= 0.90 and scores["YEAR"].recall >= 0.98
    for label in ("TRIM", "BODY", "ENGINE", "TRANSMISSION", "DRIVETRAIN", "MILEAGE"):
        assert scores[label].precision >= 0.85, (label, scores[label])
        assert scores[label].recall >= 0.60, (label, scores[label])
    for label in ("FUEL", "COLOR"):  # few spans in 1,000 titles (about 20-40): loose floors
        assert scores[label].precision >= 0.6 and scores[label].recall >= 0.5, (label, scores[label])


@pytest.mark.skipif(
    not (TITLES / "ebay_motors_sedans_info.csv").is_file(), reason="../shared car titles absent"
)
def test_real_ebay_motors_titles():
    """357 real titles; measured MAKE P .989 R 1.0, YEAR P .997 R 1.0 (P is a lower bound: only the
    first make mention is gold)."""
    report = real_sedans(TITLES / "ebay_motors_sedans_info.csv")
    assert report.texts >= 350
    assert report.scores["MAKE"].precision >= 0.95 and report.scores["MAKE"].recall >= 0.95
    assert report.scores["YEAR"].precision >= 0.95 and report.scores["YEAR"].recall >= 0.95


@pytest.mark.skipif(not (TITLES / KLEIN).is_file(), reason="../shared car titles absent")
def test_real_german_titles_found_rate():
    """German ad titles with lower-case brand/model columns (no spans): found rate measured on all
    18,705 rows: MAKE 0.86, MODEL 0.70 (titles often omit the brand: "Golf 1.6 TDI")."""
    report = real_kleinanzeigen(TITLES / KLEIN, limit=4000)
    found, given = report.found["MAKE"]
    assert given > 3500 and found / given >= 0.80
    found, given = report.found["MODEL"]
    assert found / given >= 0.60


def test_check_real_skips_missing_files(tmp_path):
    assert check_real(tmp_path) == []
