"""The sandbox generator: deterministic listings, exact gold spans, realistic catalogue and titles."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from carner.annotation.labels import LABELS
from carner.scraper.sandbox import catalogue as cat
from carner.scraper.sandbox.generator import SPECIFIC_ORDER, generate_listings, label_value

from bench import realism

N = 1500


@pytest.fixture(scope="module")
def listings():
    return generate_listings(N, seed=7)


def test_same_seed_same_listings_and_prefix_stable():
    a, b = generate_listings(40, seed=3), generate_listings(40, seed=3)
    assert a == b
    assert generate_listings(10, seed=3) == a[:10]
    assert [x.title for x in generate_listings(40, seed=4)] != [x.title for x in a]


@pytest.mark.parametrize("n", [-1, -100])
def test_negative_count_is_rejected(n):
    with pytest.raises(ValueError, match="non-negative"):
        generate_listings(n)


def test_zero_listings():
    assert generate_listings(0) == []


def test_listing_fields(listings):
    ids = [x.item_id for x in listings]
    assert len(set(ids)) == len(ids)
    for x in listings:
        assert re.fullmatch(r"\d{12}", x.item_id)
        assert x.title and x.title == x.title.strip()
        assert x.currency == "USD" and x.price > 0
        assert re.fullmatch(r"[A-Za-z .]+, [A-Za-z ]+, United States", x.location)
        assert x.condition in {"Used", "New"}
        assert {"Make", "Model", "Year"} <= set(x.specifics)
        order = [name for name in SPECIFIC_ORDER if name in x.specifics]
        assert list(x.specifics) == order  # eBay's order
        for name, value in x.specifics.items():
            if (name, value) not in {("Model", "Other"), ("Make", "Other Makes")}:
                assert value == x.attributes[name]
        assert len(x.description.split(". ")) >= 2


def _check_spans(text: str, spans, listing) -> None:
    previous_end = 0
    for start, end, label in sorted(spans):
        assert 0 <= start < end <= len(text), (text, start, end)
        assert start >= previous_end, f"overlapping spans in {text!r}: {spans}"
        previous_end = end
        assert label in LABELS
        surface = text[start:end]
        assert surface == surface.strip() and surface, (text, surface)
        value = label_value(listing, label)
        assert value, f"{label} span {surface!r} has no source value in {listing.attributes}"
        assert cat.surface_matches(label, surface, value, listing.attributes["Make"]), (
            f"{label} span {surface!r} is not a surface of {value!r} in {text!r}"
        )
        # spans sit on word boundaries
        assert start == 0 or not text[start - 1].isalnum(), (text, surface)
        assert end == len(text) or not text[end].isalnum(), (text, surface)


def test_gold_spans_are_exact(listings):
    for x in listings:
        _check_spans(x.title, x.title_spans, x)
        _check_spans(x.description, x.description_spans, x)


def test_every_label_occurs_and_make_model_almost_always(listings):
    counts = Counter(label for x in listings for _, _, label in x.title_spans)
    assert set(counts) == set(LABELS)
    assert counts["MAKE"] / N > 0.95
    assert counts["MODEL"] / N > 0.93
    desc_counts = Counter(label for x in listings for _, _, label in x.description_spans)
    assert set(desc_counts) == set(LABELS)


def test_title_noise_is_realistic(listings):
    titles = [x.title for x in listings]
    shares = realism.form_shares(titles)
    assert 0.08 < shares["structured"] < 0.22 and shares["other"] == 0
    make_surfaces = Counter(x.title[s:e] for x in listings for s, e, lab in x.title_spans if lab == "MAKE")
    assert {"Chevy", "VW"} & set(make_surfaces)
    assert {"Merc", "Benz", "Mercedes"} & set(make_surfaces)
    assert any(s.islower() and s.isalpha() for s in make_surfaces) or any(
        t.islower() for x in listings for t in x.title.split()
    )
    joined = " ".join(titles)
    for extra in ("CLEAN TITLE", "NO RESERVE", "1-owner", "LOW MILES"):
        assert extra.lower() in joined.lower(), extra
    model_surfaces = {x.title[s:e] for x in listings for s, e, lab in x.title_spans if lab == "MODEL"}
    assert any(" " in m for m in model_surfaces)  # multi-word models
    mileage = [x.title[s:e] for x in listings for s, e, lab in x.title_spans if lab == "MILEAGE"]
    assert any(re.fullmatch(r"\d+[kK] (miles|MILES|Miles|mi)", m) for m in mileage)
    assert any("," in m for m in mileage)
    assert any(not d.isascii() for d in (x.description for x in listings))
    # some optional specifics are missing at random
    assert sum(len(x.specifics) < len(x.attributes) for x in listings) > N * 0.3


def test_catalogue_size_and_multiword_models():
    assert len(cat.MAKES) >= 40
    assert len(cat.ALL_MODELS) >= 250
    names = {(m.make, m.name) for m in cat.ALL_MODELS}
    for pair in [
        ("Jeep", "Grand Cherokee"), ("BMW", "3-Series"), ("Ford", "F-150"), ("Tesla", "Model S"),
        ("Mercedes-Benz", "CLA-Class"), ("Chevrolet", "Bel Air/150/210"),
    ]:  # fmt: skip
        assert pair in names, pair
    assert "3 Series" in cat.model_variants("BMW", "3-Series")
    assert "F150" in cat.model_variants("Ford", "F-150")
    assert "Chevy" in cat.MAKE_ALIASES["Chevrolet"] and "VW" in cat.MAKE_ALIASES["Volkswagen"]
    for model in cat.ALL_MODELS:
        assert model.years[0] <= model.years[1] <= cat.CURRENT_YEAR
        assert model.trims and model.engines and model.drives
        for engine in model.engines:
            assert engine == "Electric" or cat.engine_parts(engine) or "Hydrogen" in engine, engine
        for drive in model.drives:
            assert drive in cat.DRIVE_SURFACES


@pytest.mark.parametrize(
    ("label", "text", "value", "make", "ok"),
    [
        ("MAKE", "Chevy", "Chevrolet", "", True),
        ("MAKE", "benz", "Mercedes-Benz", "", True),
        ("MAKE", "Ford", "Chevrolet", "", False),
        ("MODEL", "3 Series", "3-Series", "BMW", True),
        ("MODEL", "f150", "F-150", "Ford", True),
        ("MODEL", "F-250", "F-150", "Ford", False),
        ("DRIVETRAIN", "4MATIC", "AWD", "Mercedes-Benz", True),
        ("DRIVETRAIN", "4MATIC", "AWD", "BMW", False),
        ("MILEAGE", "45k miles", "45,123", "", True),
        ("MILEAGE", "46k miles", "45,123", "", False),
        ("ENGINE", "V6", "3.5L V6", "", True),
        ("BODY", "4dr Sedan", "Sedan", "", True),
    ],
)
def test_surface_matches(label, text, value, make, ok):
    assert cat.surface_matches(label, text, value, make) is ok


def test_titles_close_to_real_ones(shared_data):
    """Forms, length and catalogue coverage of real eBay Motors titles (../shared; skipped without it)."""
    real = realism.read_real_titles(shared_data / "car-titles" / "ebay_motors_sedans_info.csv")
    generated = [x.title for x in generate_listings(2000, seed=0)]
    real_shares, gen_shares = realism.form_shares(real), realism.form_shares(generated)
    assert abs(real_shares["structured"] - gen_shares["structured"]) < 0.05
    assert abs(realism.mean_words(real) - realism.mean_words(generated)) < 0.8
    assert realism.coverage(real)["make"] > 0.95
    assert realism.coverage(real)["make_model"] > 0.9


def test_sandbox_answer_key_matches_the_label_schema() -> None:
    """The sandbox spells out its gold labels (the scraper floor cannot import annotation/): same schema."""
    from carner.annotation.labels import DEFAULT_SCHEMA
    from carner.scraper.sandbox.generator import GOLD_LABEL_OF_SPECIFIC

    assert GOLD_LABEL_OF_SPECIFIC == DEFAULT_SCHEMA.specific_to_label
