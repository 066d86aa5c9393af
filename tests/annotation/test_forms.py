"""Transmissions, drivetrains, fuels, colours, engines and mileages read by their form."""

from __future__ import annotations

import pytest
from carner.annotation.forms import read_forms
from carner.annotation.snap import snap_spans

from tests.support.spans import read_spans as _read
from tests.support.spans import spans_of as _spans

_CAR = (("2009", "YEAR"), ("Infiniti", "MAKE"), ("G", "MODEL"))


@pytest.mark.parametrize(
    ("text", "predicted", "read"),
    [
        # a characteristic span whose words spell another characteristic takes that label
        (
            "2009 Infiniti G G37 Sport 6MT",
            [*_CAR, ("G37 Sport", "TRIM"), ("6MT", "ENGINE")],
            [*_CAR, ("G37 Sport", "TRIM"), ("6MT", "TRANSMISSION")],
        ),
        (
            "2005 Honda Accord EX 5MT Silver",
            [("Accord", "MODEL"), ("EX", "TRIM"), ("5MT", "DRIVETRAIN")],
            [("Accord", "MODEL"), ("EX", "TRIM"), ("5MT", "TRANSMISSION"), ("Silver", "COLOR")],
        ),
        (
            "1985 Mercedes-Benz 300-Series 300D, W123, TURBO DIESEL,",
            [("300-Series", "MODEL"), ("W123,", "TRIM"), ("TURBO", "COLOR"), ("DIESEL", "TRIM")],
            [("300-Series", "MODEL"), ("W123", "TRIM"), ("TURBO", "ENGINE"), ("DIESEL", "FUEL")],
        ),
        # the words of one transmission are one span
        (
            "2012 Mazda MAZDA3 s 6-Speed Manual",
            [("MAZDA3", "MODEL"), ("6-Speed", "ENGINE"), ("Manual", "TRANSMISSION")],
            [("MAZDA3", "MODEL"), ("6-Speed Manual", "TRANSMISSION")],
        ),
        # a drivetrain glued to a seller's word keeps its own part; a colour grows over its paint words
        (
            "2004 Volkswagen Phaeton 4.2L V8 AWD-GORGEOUS -> Dark Aquamarine-Grey Metallic !!",
            [
                ("Phaeton", "MODEL"),
                ("4.2L V8", "ENGINE"),
                ("AWD-GORGEOUS", "DRIVETRAIN"),
                ("Dark", "DRIVETRAIN"),
                ("Aquamarine", "COLOR"),
            ],
            [
                ("Phaeton", "MODEL"),
                ("4.2L V8", "ENGINE"),
                ("AWD", "DRIVETRAIN"),
                ("Dark Aquamarine-Grey Metallic", "COLOR"),
            ],
        ),
        # a closed-vocabulary span that spells nothing of it: the trim where the title has none, else none
        (
            "1993 Cadillac Fleetwood 5.7L V8 Brougham",
            [("Fleetwood", "MODEL"), ("5.7L V8", "ENGINE"), ("Brougham", "TRANSMISSION")],
            [("Fleetwood", "MODEL"), ("5.7L V8", "ENGINE"), ("Brougham", "TRIM")],
        ),
        (
            "2016 Audi S8 PLUS 53k MILES TUNED",
            [("S8", "MODEL"), ("PLUS", "TRIM"), ("TUNED", "COLOR")],
            [("S8", "MODEL"), ("PLUS", "TRIM"), ("53k MILES", "MILEAGE")],
        ),
        # a fuel right after the model or trim is the maker's variant (TRIM); elsewhere FUEL
        (
            "2023 Honda Accord TOURING HYBRID",
            [("Accord", "MODEL"), ("TOURING", "TRIM"), ("HYBRID", "FUEL")],
            [("Accord", "MODEL"), ("TOURING HYBRID", "TRIM")],
        ),
        (
            "2020 Toyota Corolla Hybrid LE",
            [("Corolla", "MODEL"), ("LE", "TRIM")],
            [("Corolla", "MODEL"), ("Hybrid LE", "TRIM")],
        ),
        (
            "2014 Chevrolet Cruze LT - Diesel",
            [("Cruze", "MODEL"), ("LT", "TRIM")],
            [("Cruze", "MODEL"), ("LT", "TRIM"), ("Diesel", "FUEL")],
        ),
        # a badge: the trim's after a trim, DRIVETRAIN alone, the tagger's after the model
        (
            "2015 Mercedes-Benz S-Class S550 4MATIC",
            [("S-Class", "MODEL"), ("S550", "TRIM"), ("4MATIC", "DRIVETRAIN")],
            [("S-Class", "MODEL"), ("S550 4MATIC", "TRIM")],
        ),
        (
            "2023 Audi S4 Sedan Quattro AWD",
            [("S4", "MODEL"), ("Sedan", "BODY"), ("Quattro", "MODEL"), ("AWD", "DRIVETRAIN")],
            [("S4", "MODEL"), ("Sedan", "BODY"), ("Quattro AWD", "DRIVETRAIN")],
        ),
        (
            "2024 BMW X7 xDrive",
            [("X7", "MODEL"), ("xDrive", "DRIVETRAIN")],
            [("X7", "MODEL"), ("xDrive", "DRIVETRAIN")],
        ),
        # a colour between the model and a trim word is the trim's; one after a seller's word is paint
        (
            "2010 Rolls-Royce Ghost Black Edition",
            [("Ghost", "MODEL"), ("Black", "COLOR"), ("Edition", "TRIM")],
            [("Ghost", "MODEL"), ("Black Edition", "TRIM")],
        ),
        (
            "Cadillac: Lasalle Stunning Black",
            [("Lasalle", "MODEL")],
            [("Lasalle", "MODEL"), ("Black", "COLOR")],
        ),
        (
            "2017 Lincoln Continental Black Label",
            [("Continental", "MODEL"), ("Black Label", "TRIM")],
            [("Continental", "MODEL"), ("Black Label", "TRIM")],
        ),
        (
            "2012 Ford Focus SE Black Leather",
            [("Focus", "MODEL"), ("SE", "TRIM")],
            [("Focus", "MODEL"), ("SE", "TRIM")],
        ),
        # engines cut to their words; designations are trims; plain numbers and words are no engine
        (
            "2011 Hyundai Equus - 4.6L V8 MOTOR!",
            [("Equus", "MODEL"), ("4.6L V8 MOTOR", "ENGINE")],
            [("Equus", "MODEL"), ("4.6L V8", "ENGINE")],
        ),
        (
            "1986 Alfa Romeo GTV V6 2.5",
            [("GTV", "MODEL"), ("V6", "ENGINE")],
            [("GTV", "MODEL"), ("V6 2.5", "ENGINE")],
        ),
        (
            "2016 Nissan Altima 2.5 SV",
            [("Altima", "MODEL"), ("2.5 SV", "ENGINE")],
            [("Altima", "MODEL"), ("2.5 SV", "TRIM")],
        ),
        (
            "2015 Audi A8 4dr Sedan 3.0T",
            [("A8", "MODEL"), ("4dr Sedan", "BODY"), ("3.0T", "ENGINE")],
            [("A8", "MODEL"), ("4dr Sedan", "BODY"), ("3.0T", "TRIM")],
        ),
        ("1959 Cadillac Series 62", [("Series", "MODEL"), ("62", "ENGINE")], [("Series", "MODEL")]),
        ("2015 Bentley Flying Spur V8", [("Flying Spur", "MODEL")], [("Flying Spur", "MODEL")]),
        (
            "2015 Bentley Flying Spur 4dr Sedan V8",
            [("Flying Spur", "MODEL"), ("4dr Sedan", "BODY")],
            [("Flying Spur", "MODEL"), ("4dr Sedan", "BODY"), ("V8", "ENGINE")],
        ),
        # mileage: the number to "miles"; a price is none
        (
            "2010 Toyota Camry one owner just 75k miles",
            [("Camry", "MODEL"), ("75k", "MILEAGE")],
            [("Camry", "MODEL"), ("75k miles", "MILEAGE")],
        ),
        (
            "2001 BMW 7-Series 740il - 27,087 Actual Miles",
            [("7-Series", "MODEL"), ("740il", "TRIM")],
            [("7-Series", "MODEL"), ("740il", "TRIM"), ("27,087 Actual Miles", "MILEAGE")],
        ),
        (
            "2006 Bentley Arnage Retails $50k Selling $25,000",
            [("Arnage", "MODEL"), ("50k", "MILEAGE"), ("25,000", "MILEAGE")],
            [("Arnage", "MODEL")],
        ),
        (
            "2024 Mercedes-Benz S-Class S 63 225K MSRP",
            [("S-Class", "MODEL"), ("S 63", "TRIM"), ("225K MSRP", "MILEAGE")],
            [("S-Class", "MODEL"), ("S 63", "TRIM")],
        ),
        (
            "1999 Lincoln Town Car Low 55K",
            [("Town Car", "MODEL"), ("55K", "MILEAGE")],
            [("Town Car", "MODEL"), ("55K", "MILEAGE")],
        ),
    ],
)
def test_characteristics_are_read_by_their_form(
    text: str, predicted: list[tuple[str, str]], read: list[tuple[str, str]]
) -> None:
    assert _read(text, read_forms(text, _spans(text, *predicted))) == read


@pytest.mark.parametrize(
    ("text", "predicted", "read"),
    [
        # the guidelines' aspiration and fuel: "TURBO" ENGINE, "DIESEL" FUEL
        ("1985 Mercedes-Benz 300-Series 300D, W123, TURBO DIESEL,",
         [("300-Series", "MODEL"), ("300D", "TRIM"), ("TURBO DIESEL", "FUEL")],
         [("300-Series", "MODEL"), ("300D", "TRIM"), ("TURBO", "ENGINE"), ("DIESEL", "FUEL")]),
        # a fuel after a trim past a comma is no variant's name; symbols at a span's edges are no words
        ("1985 Mercedes-Benz 300-Series 300D, W123, TURBO DIESEL,",
         [("300-Series", "MODEL"), ("300D,", "TRIM"), ("W123, TURBO", "TRIM"), ("DIESEL", "FUEL")],
         [("300-Series", "MODEL"), ("300D", "TRIM"), ("W123, TURBO", "TRIM"), ("DIESEL", "FUEL")]),
        # a drivetrain glued to a seller's word that no span holds
        ("2004 Volkswagen Phaeton 4.2L V8 AWD-GORGEOUS", [("Phaeton", "MODEL"), ("4.2L V8", "ENGINE")],
         [("Phaeton", "MODEL"), ("4.2L V8", "ENGINE"), ("AWD", "DRIVETRAIN")]),
        # a trim of engine words past punctuation is the engine; a fuel span that spells no fuel is none
        ("2017 Cadillac CTS CTS-V, V3 Supercharged Sedan", [("CTS", "MODEL"), ("CTS-V", "TRIM"),
                                                            ("V3 Supercharged", "TRIM"), ("Sedan", "BODY")],
         [("CTS", "MODEL"), ("CTS-V", "TRIM"), ("V3 Supercharged", "ENGINE"), ("Sedan", "BODY")]),
        ("2024 Hyundai Genesis AWD 3.5T SPORT(ALL OPTIONS)", [("Genesis", "MODEL"), ("AWD", "DRIVETRAIN"),
                                                              ("3.5T SPORT", "TRIM"), ("ALL", "FUEL")],
         [("Genesis", "MODEL"), ("AWD", "DRIVETRAIN"), ("3.5T SPORT", "TRIM")]),
        ("1985 Mercedes-Benz 300-Series 300D, W123, TURBO DIESEL,",
         [("300-Series", "MODEL"), ("300D, W123", "TRIM"), ("TURBO DIESEL", "TRIM")],
         [("300-Series", "MODEL"), ("300D, W123", "TRIM"), ("TURBO", "ENGINE"), ("DIESEL", "FUEL")]),
        ("2004 Volkswagen Phaeton AWD -> Dark Aquamarine-Grey Metallic",
         [("Phaeton", "MODEL"), ("AWD", "DRIVETRAIN"), ("> Dark", "TRIM"), ("Aquamarine-Grey", "DRIVETRAIN"),
          ("Metallic", "COLOR")],
         [("Phaeton", "MODEL"), ("AWD", "DRIVETRAIN"), ("Dark Aquamarine-Grey Metallic", "COLOR")]),
        ("2004 Volkswagen Phaeton AWD -> Dark Grey Metallic !!",
         [("Phaeton", "MODEL"), ("AWD", "DRIVETRAIN"), ("> Dark Grey Metallic", "TRIM")],
         [("Phaeton", "MODEL"), ("AWD", "DRIVETRAIN"), ("Dark Grey Metallic", "COLOR")]),
        # a colour grows over the paint words before it
        ("2004 Volkswagen Phaeton -> Dark Aquamarine-Grey Metallic !!",
         [("Phaeton", "MODEL"), ("Aquamarine-Grey Metallic", "COLOR")],
         [("Phaeton", "MODEL"), ("Dark Aquamarine-Grey Metallic", "COLOR")]),
    ],
)  # fmt: skip
def test_seller_forms_are_split_and_grown(
    text: str, predicted: list[tuple[str, str]], read: list[tuple[str, str]]
) -> None:
    assert _read(text, read_forms(text, _spans(text, *predicted))) == read


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("2018 Toyota Camry LE", [("Camry", "MODEL"), ("LE", "TRIM")]),
        (
            "2016 Ford F-150 XLT 4x4 5.0L V8 Automatic Black 84k miles",
            [
                ("F-150", "MODEL"),
                ("XLT", "TRIM"),
                ("4x4", "DRIVETRAIN"),
                ("5.0L V8", "ENGINE"),
                ("Automatic", "TRANSMISSION"),
                ("Black", "COLOR"),
                ("84k miles", "MILEAGE"),
            ],
        ),
        ("2019 Volkswagen Jetta TDI Diesel", [("Jetta", "MODEL"), ("TDI", "FUEL"), ("Diesel", "FUEL")]),
        ("2020 Chevrolet Bolt 6-Cylinder Electric Motor", [("Bolt", "MODEL"), ("Electric Motor", "ENGINE")]),
        (
            "1984 Bentley Mulsanne 6.75 V8 4dr Sedan",
            [("Mulsanne", "MODEL"), ("6.75 V8", "ENGINE"), ("4dr Sedan", "BODY")],
        ),
        ("1996 Oldsmobile Ninety-Eight 350 V8", [("Ninety-Eight", "MODEL"), ("350 V8", "ENGINE")]),
        ("1993 Mazda RX-7 1.3L Rotary", [("RX-7", "MODEL"), ("1.3L Rotary", "ENGINE")]),
        (
            "2016 Toyota Sienna LE 2.5L I4 Hybrid",
            [("Sienna", "MODEL"), ("LE", "TRIM"), ("2.5L I4 Hybrid", "ENGINE")],
        ),
        ("1967 Ford Mustang Fastback Four Speed 289 V8",
         [("Mustang", "MODEL"), ("Fastback", "BODY"), ("Four Speed", "TRANSMISSION"), ("289 V8", "ENGINE")]),
        ("1972 Mercedes-Benz 280SE Straight 6 Stickshift",
         [("280SE", "MODEL"), ("Straight 6", "ENGINE"), ("Stickshift", "TRANSMISSION")]),
        # a colour word no span holds that runs on into a name is no paint
        ("1978 Rolls-Royce Shadow LOW MILES Rolls-Royce SILVER SHADOW", [("Shadow", "MODEL")]),
    ],
)
def test_right_spans_are_left_as_they_are(text: str, spans: list[tuple[str, str]]) -> None:
    assert _read(text, read_forms(text, _spans(text, *spans))) == spans


def test_snapping_reads_forms_after_the_catalogue() -> None:
    text = "2009 Infiniti G G37 Sport 6MT"
    snapped = snap_spans(
        text, _spans(text, ("Infiniti", "MAKE"), ("G", "MODEL"), ("G37", "TRIM"), ("6MT", "ENGINE"))
    )
    assert ("6MT", "TRANSMISSION") in _read(text, snapped)


@pytest.mark.parametrize(
    ("text", "predicted", "read"),
    [
        # a trim the catalogue knows for the model stays; so does a colour right after the model spelling one
        ("2021 Tesla Model 3 RWD", [("Tesla", "MAKE"), ("Model 3", "MODEL"), ("RWD", "TRIM")],
         [("Tesla", "MAKE"), ("Model 3", "MODEL"), ("RWD", "TRIM")]),
        ("2010 Hyundai Elantra BLUE", [("Hyundai", "MAKE"), ("Elantra", "MODEL"), ("BLUE", "COLOR")],
         [("Hyundai", "MAKE"), ("Elantra", "MODEL"), ("BLUE", "TRIM")]),
        # one it does not know is read by its form
        ("2009 Audi S8 QUATTRO", [("Audi", "MAKE"), ("S8", "MODEL"), ("QUATTRO", "DRIVETRAIN")],
         [("Audi", "MAKE"), ("S8", "MODEL"), ("QUATTRO", "TRIM")]),
        ("2023 Audi S4 Sedan Quattro AWD",
         [("Audi", "MAKE"), ("S4", "MODEL"), ("Sedan", "BODY"), ("Quattro", "TRIM"), ("AWD", "DRIVETRAIN")],
         [("Audi", "MAKE"), ("S4", "MODEL"), ("Sedan", "BODY"), ("Quattro AWD", "DRIVETRAIN")]),
        ("2014 Dodge Charger AWD", [("Dodge", "MAKE"), ("Charger", "MODEL"), ("AWD", "TRIM")],
         [("Dodge", "MAKE"), ("Charger", "MODEL"), ("AWD", "DRIVETRAIN")]),
        ("2012 Ford Focus SE Blue", [("Ford", "MAKE"), ("Focus", "MODEL"), ("SE", "TRIM"), ("Blue", "COLOR")],
         [("Ford", "MAKE"), ("Focus", "MODEL"), ("SE", "TRIM"), ("Blue", "COLOR")]),
    ],
)  # fmt: skip
def test_snapping_reads_forms_with_the_catalogue_trims(
    text: str, predicted: list[tuple[str, str]], read: list[tuple[str, str]]
) -> None:
    assert _read(text, snap_spans(text, _spans(text, *predicted))) == read
