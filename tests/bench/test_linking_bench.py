"""bench/linking.py's German scoring: all titles, linked titles, and titles that name their car."""

from __future__ import annotations

import csv
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

linking = importlib.import_module("bench.linking")


def test_german_make_is_scored_over_all_titles_and_over_titles_that_name_the_car(tmp_path: Path) -> None:
    rows = [
        ("Golf_IV_1.6_Comfortline", "volkswagen", "golf"),  # a model of one make: named, right
        ("BMW520_i_2L", "bmw", "5er"),  # the make glued: named (the brand's word inside), right
        ("Zu_verkaufen", "opel", "astra"),  # names no car: unlinked
        ("Opel_Corsa_B", "subaru", "andere"),  # the data's own mistake: linked, wrong, not named
        ("Irgendwas", "sonstige_autos", ""),  # "other makes": left out
    ]
    path = tmp_path / "autos.csv"
    with path.open("w", encoding="latin-1", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "brand", "model"])
        writer.writerows(rows)
    got = linking.score_german(path)
    assert got["n"] == 4 and got["unlinked"] == 1
    assert got["make_accuracy"] == 0.5
    assert got["make_precision_linked"] == 2 / 3
    assert got["named"] == 2 and got["make_accuracy_named"] == 1.0


def test_a_title_names_its_car_by_brand_or_every_model_word() -> None:
    assert linking._names_the_car("Verkaufe meinen Golf", "volkswagen", "golf")
    assert linking._names_the_car("E Klasse 280", "mercedes benz", "e_klasse")
    assert linking._names_the_car("Peugeot206 CC", "peugeot", "2_reihe")
    assert not linking._names_the_car("Zu verkaufen", "opel", "astra")
    assert not linking._names_the_car("Top Zustand", "bmw", "andere")
