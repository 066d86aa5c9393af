"""The sandbox draws from vPIC's models too: real multi-word names, eBay's reading, years with gaps."""

from __future__ import annotations

import random
from collections import Counter

from carner.scraper.sandbox import catalogue as cat
from carner.scraper.sandbox.generator import _pick_year, generate_listings

from carner.common.vpic import load


def test_vpic_models_join_the_hand_grown_table() -> None:
    hand = {(m.make, m.name) for ms in cat.HAND_GROWN.values() for m in ms}
    added = [m for m in cat.ALL_MODELS if (m.make, m.name) not in hand]
    assert len(added) > 300 and len(cat.ALL_MODELS) == len(hand) + len(added)
    names = {(m.make, m.name) for m in added}
    assert {("Chevrolet", "Traverse"), ("Kia", "Sedona")} <= names
    assert any(" " in m.name for m in added)  # multi-word models
    assert not any(
        m.make == "BMW" and m.name[:1].isdigit() and m.name[1:3].isdigit() for m in added
    )  # "528i"
    for m in added:  # each is a vPIC model, or a family of them, in eBay's reading
        assert load().model(m.make, m.name) is not None, (m.make, m.name)
        assert m.trims and m.engines and m.drives and m.body in cat.BODY_SURFACES


def test_years_with_gaps_are_drawn_only_inside_them() -> None:
    gapped = next(m for m in cat.ALL_MODELS if len(m.ranges) > 1)
    rng = random.Random(0)
    years = {_pick_year(rng, gapped) for _ in range(400)}
    assert all(any(a <= y <= b for a, b in gapped.ranges) for y in years)


def test_listings_draw_vpic_models_weighted_by_model_years() -> None:
    listings = generate_listings(600, seed=11)
    hand = {(m.make, m.name) for ms in cat.HAND_GROWN.values() for m in ms}
    drawn = Counter(
        (x.specifics["Make"], x.specifics["Model"]) in hand for x in listings if "Model" in x.specifics
    )
    assert drawn[False] > 30  # vPIC's models appear in titles
    assert drawn[True] > drawn[False]  # the hand-grown (eBay's best sellers) still weigh most
