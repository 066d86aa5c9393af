"""Spans snapped to the car catalogue: model boundaries from the catalogue, body spans of body words."""

from __future__ import annotations

import pytest
from carner.annotation.snap import snap_spans, snaps

from tests.support.spans import read_spans as _read
from tests.support.spans import spans_of as _spans


@pytest.mark.parametrize(
    ("text", "predicted", "snapped"),
    [
        # a model span that runs on into the trim: the model ends where the catalogue's name ends
        ("2015 Ford Fusion Titanium", [("Ford", "MAKE"), ("Fusion Titanium", "MODEL")],
         [("Ford", "MAKE"), ("Fusion", "MODEL"), ("Titanium", "TRIM")]),
        # ... and joins the trim the tagger found after it
        ("2012 Honda Civic LX Sedan", [("Honda", "MAKE"), ("Civic LX", "MODEL"), ("Sedan", "BODY")],
         [("Honda", "MAKE"), ("Civic", "MODEL"), ("LX", "TRIM"), ("Sedan", "BODY")]),
        ("2021 Mercedes-Benz S-Class S 580 4MATIC",
         [("Mercedes-Benz", "MAKE"), ("S-Class S", "MODEL"), ("580 4MATIC", "TRIM")],
         [("Mercedes-Benz", "MAKE"), ("S-Class", "MODEL"), ("S 580 4MATIC", "TRIM")]),
        # a model span that starts inside a multi-word make
        ("2019 Land Rover Range Rover", [("Land", "MAKE"), ("Rover Range Rover", "MODEL")],
         [("Land Rover", "MAKE"), ("Range Rover", "MODEL")]),
        # a model span that stops short grows over the words that complete the name
        ("2006 Lincoln Town Car Signature", [("Lincoln", "MAKE"), ("Town", "MODEL"), ("Car", "BODY")],
         [("Lincoln", "MAKE"), ("Town Car", "MODEL")]),
        ("2020 Tesla Model 3", [("Tesla", "MAKE"), ("Model", "MODEL")],
         [("Tesla", "MAKE"), ("Model 3", "MODEL")]),
        # Lexus: the family is the model, the number the trim (the annotation guidelines)
        ("2014 Lexus LS 460", [("Lexus", "MAKE"), ("LS 460", "MODEL")],
         [("Lexus", "MAKE"), ("LS", "MODEL"), ("460", "TRIM")]),
        # a designation in the model slot stays MODEL; a known model stays as it is
        ("2003 BMW 330i Sport", [("BMW", "MAKE"), ("330i", "MODEL")], [("BMW", "MAKE"), ("330i", "MODEL")]),
        ("2003 BMW 3-Series 330i", [("BMW", "MAKE"), ("3-Series 330i", "MODEL")],
         [("BMW", "MAKE"), ("3-Series", "MODEL"), ("330i", "TRIM")]),
        # the make from the model when the tagger found none
        ("Camry LE 2015", [("Camry LE", "MODEL")], [("Camry", "MODEL"), ("LE", "TRIM")]),
        # a model the catalogue does not know is left as the tagger read it
        ("1939 Chevrolet Hot Rod", [("Chevrolet", "MAKE"), ("Hot Rod", "MODEL")],
         [("Chevrolet", "MAKE"), ("Hot Rod", "MODEL")]),
    ],
)  # fmt: skip
def test_model_spans_end_where_the_catalogue_name_ends(
    text: str, predicted: list[tuple[str, str]], snapped: list[tuple[str, str]]
) -> None:
    assert _read(text, snap_spans(text, _spans(text, *predicted))) == snapped


@pytest.mark.parametrize(
    ("text", "body", "snapped"),
    [
        ("2004 Jaguar XJR Base 4dr Supercharged Sedan", "4dr Supercharged Sedan", ["4dr", "Sedan"]),
        ("2021 Mercedes-Benz S-Class 4MATIC Sedan 4D", "4MATIC Sedan 4D", ["Sedan 4D"]),
        ("2018 BMW 6-Series Gran Coupe xDrive 4D", "Gran Coupe xDrive 4D", ["Gran Coupe", "4D"]),
        ("2013 Mercedes-Benz E-Class E 350 BlueTEC Sport", "BlueTEC Sport", []),  # no body named
        ("2009 Infiniti G37 Sport 6MT", "Sport", []),
        ("1968 Dodge Dart two door Hardtop", "two door Hardtop", ["two door Hardtop"]),
    ],
)
def test_body_spans_hold_body_words_only(text: str, body: str, snapped: list[str]) -> None:
    got = snap_spans(text, _spans(text, (body, "BODY")))
    assert [text[s:e] for s, e, label in got if label == "BODY"] == snapped


@pytest.mark.parametrize(
    ("text", "predicted", "snapped"),
    [
        # a door count said outright is BODY on its own, tagged or not
        ("1966 Plymouth Valiant two door", [("Plymouth", "MAKE"), ("Valiant", "MODEL"), ("two door", "BODY")],
         [("Plymouth", "MAKE"), ("Valiant", "MODEL"), ("two door", "BODY")]),
        ("1971 Buick Skylark 4 Door clean", [("Buick", "MAKE"), ("Skylark", "MODEL")],
         [("Buick", "MAKE"), ("Skylark", "MODEL"), ("4 Door", "BODY")]),
        # a body span grows over the door count and body words beside it
        ("2011 Honda Accord EX-L 4dr Sedan", [("Honda", "MAKE"), ("Accord", "MODEL"), ("EX-L", "TRIM"),
                                               ("Sedan", "BODY")],
         [("Honda", "MAKE"), ("Accord", "MODEL"), ("EX-L", "TRIM"), ("4dr Sedan", "BODY")]),
        ("1950 Ford Custom Fordor Sedan", [("Ford", "MAKE"), ("Custom", "MODEL"), ("Sedan", "BODY")],
         [("Ford", "MAKE"), ("Custom", "MODEL"), ("Fordor Sedan", "BODY")]),
        ("2019 BMW 4-Series 430i Gran Coupe", [("BMW", "MAKE"), ("4-Series", "MODEL"), ("430i", "TRIM"),
                                               ("Coupe", "BODY")],
         [("BMW", "MAKE"), ("4-Series", "MODEL"), ("430i", "TRIM"), ("Gran Coupe", "BODY")]),
        # ... but not over a helper word that names no body with it, nor over a bare number
        ("2015 Toyota Camry Sport Sedan", [("Toyota", "MAKE"), ("Camry", "MODEL"), ("Sedan", "BODY")],
         [("Toyota", "MAKE"), ("Camry", "MODEL"), ("Sedan", "BODY")]),
        ("2008 Cadillac DTS 4 Sedan", [("Cadillac", "MAKE"), ("DTS", "MODEL"), ("Sedan", "BODY")],
         [("Cadillac", "MAKE"), ("DTS", "MODEL"), ("Sedan", "BODY")]),
        # a trim ends where the body begins; the words after the body are no trim
        ("2004 Jaguar XJ8 Base 4dr Supercharged Sedan",
         [("Jaguar", "MAKE"), ("XJ8", "MODEL"), ("Base 4dr Supercharged", "TRIM"), ("Sedan", "BODY")],
         [("Jaguar", "MAKE"), ("XJ8", "MODEL"), ("Base", "TRIM"), ("4dr", "BODY"), ("Supercharged", "ENGINE"),
          ("Sedan", "BODY")]),
        ("2022 Dodge Charger R/T 4dr Widebody Sedan", [("Dodge", "MAKE"), ("Charger", "MODEL"),
                                                      ("R/T 4dr Widebody", "TRIM"), ("Sedan", "BODY")],
         [("Dodge", "MAKE"), ("Charger", "MODEL"), ("R/T", "TRIM"), ("4dr Widebody Sedan", "BODY")]),
        # a trim that opens with the body keeps the words after it; "Sport" alone names no body
        ("2016 Toyota Corolla Sedan LE", [("Toyota", "MAKE"), ("Corolla", "MODEL"), ("Sedan LE", "TRIM")],
         [("Toyota", "MAKE"), ("Corolla", "MODEL"), ("Sedan", "BODY"), ("LE", "TRIM")]),
        ("2016 Toyota Corolla Sport SE", [("Toyota", "MAKE"), ("Corolla", "MODEL"), ("Sport SE", "TRIM")],
         [("Toyota", "MAKE"), ("Corolla", "MODEL"), ("Sport SE", "TRIM")]),
    ],
)  # fmt: skip
def test_body_spans_take_their_door_count_and_end_the_trim(
    text: str, predicted: list[tuple[str, str]], snapped: list[tuple[str, str]]
) -> None:
    assert _read(text, snap_spans(text, _spans(text, *predicted))) == snapped


@pytest.mark.parametrize(
    ("text", "trim", "snapped"),
    [
        # a trim ends where a seller's remark, a package or a separator begins
        ("2016 Nissan Maxima SV Trim", "SV Trim", ["SV"]),
        ("2019 BMW 5-Series M Sport and Executive Package", "M Sport and Executive Package", ["M Sport"]),
        ("2014 Lexus GS 350 LUXURY PKG / NAV", "350 LUXURY PKG", ["350"]),
        ("2003 Chevrolet Impala LS *Clean*", "LS *Clean*", ["LS"]),
        ("1966 Ford Galaxie 500 Resto Mod Custom", "500 Resto Mod Custom", ["500"]),
        # a span that is all remark is no trim
        ("2012 Honda Accord one owner", "one", []),
        ("2008 Audi A8 Stunning Black", "Stunning Black", []),
        ("2018 Audi A4 Tech Package", "Tech Package", []),
        # "/" joins alternatives inside a trim; "w/" opens an option list
        ("1970 Chevrolet Nova Hot Rod / Street Rod", "Hot Rod / Street Rod", ["Hot Rod / Street Rod"]),
        ("2015 Ford Mustang GT w/ Performance Pkg", "GT w/ Performance Pkg", ["GT"]),
    ],
)  # fmt: skip
def test_trims_end_at_seller_remarks(text: str, trim: str, snapped: list[str]) -> None:
    model = text.split()[2]
    got = snap_spans(text, _spans(text, (text.split()[1], "MAKE"), (model, "MODEL"), (trim, "TRIM")))
    assert [text[s:e] for s, e, label in got if label == "TRIM"] == snapped


@pytest.mark.parametrize(
    ("text", "predicted", "snapped"),
    [
        # a bare designation right after the model is the trim, read as an engine or missed
        ("2010 Audi A6 3.2", [("A6", "MODEL"), ("3.2", "ENGINE")], [("A6", "MODEL"), ("3.2", "TRIM")]),
        ("2010 Volvo S40 2.4i", [("S40", "MODEL")], [("S40", "MODEL"), ("2.4i", "TRIM")]),
        ("1997 Audi A6 2.8 quattro", [("A6", "MODEL"), ("2.8", "ENGINE"), ("quattro", "DRIVETRAIN")],
         [("A6", "MODEL"), ("2.8 quattro", "TRIM")]),
        ("1995 Nissan Altima 3.5 SE", [("Altima", "MODEL"), ("3.5", "ENGINE"), ("SE", "TRIM")],
         [("Altima", "MODEL"), ("3.5 SE", "TRIM")]),
        # ... but a displacement with its unit or its cylinders is an engine
        ("2015 Cadillac XTS 3.6 V6", [("XTS", "MODEL"), ("3.6 V6", "ENGINE")],
         [("XTS", "MODEL"), ("3.6 V6", "ENGINE")]),
        ("2012 Ford Fusion 2.5L", [("Fusion", "MODEL"), ("2.5L", "ENGINE")],
         [("Fusion", "MODEL"), ("2.5L", "ENGINE")]),
        ("2005 Buick LeSabre 3.8 V6", [("LeSabre", "MODEL"), ("3.8", "ENGINE")],
         [("LeSabre", "MODEL"), ("3.8 V6", "ENGINE")]),
    ],
)  # fmt: skip
def test_a_bare_designation_after_the_model_is_the_trim(
    text: str, predicted: list[tuple[str, str]], snapped: list[tuple[str, str]]
) -> None:
    make = (text.split()[1], "MAKE")
    assert _read(text, snap_spans(text, _spans(text, make, *predicted))) == [make, *snapped]


def test_other_labels_are_untouched_and_spans_never_overlap() -> None:
    text = "2012 Honda Civic LX 5-Speed Manual 84k miles Blue"
    predicted = _spans(
        text, ("2012", "YEAR"), ("Honda", "MAKE"), ("Civic LX 5-Speed", "MODEL"), ("Manual", "TRANSMISSION"),
        ("84k miles", "MILEAGE"), ("Blue", "COLOR"),
    )  # fmt: skip
    got = snap_spans(text, predicted)
    assert [s for s in got if s[2] not in {"MODEL", "TRIM"}] == [s for s in predicted if s[2] != "MODEL"]
    assert ("Civic", "MODEL") in _read(text, got)
    assert all(a[1] <= b[0] for a, b in zip(got, got[1:], strict=False))


def test_snapping_applies_to_carner_labels_only() -> None:
    assert snaps(["MAKE", "MODEL", "YEAR"])
    assert not snaps(["FOO", "BAR"])
    assert not snaps(["PER", "ORG", "LOC"])
