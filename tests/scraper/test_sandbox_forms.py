"""The sellers' forms the sandbox writes like real eBay Motors titles, each with gold spans that follow
the annotation guidelines (door counts inside BODY, badges after a trim inside TRIM, restatements O)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from carner.scraper.sandbox import catalogue as cat
from carner.scraper.sandbox.generator import DEFAULT_MIX, TitleMix, generate_listings

from bench import realism

N = 3000


@pytest.fixture(scope="module")
def listings():
    return generate_listings(N, seed=11)


def _spans(listings, label):
    return [(x, x.title[s:e], s, e) for x in listings for s, e, lab in x.title_spans if lab == label]


def test_every_form_appears(listings):
    counts = Counter(form for x in listings for form in realism.title_forms(x.title))
    for form in realism.FORMS:
        assert counts[form] > 0, form


def test_door_counts_sit_inside_the_body_span(listings):
    bodies = [text for _, text, _, _ in _spans(listings, "BODY")]
    assert {"4dr Sedan", "Sedan 4D"} <= set(bodies)
    for x in listings:
        for s, e, lab in x.title_spans:
            if lab != "BODY":
                continue
            before, after = x.title[:s].split()[-1:], x.title[e:].split()[:1]
            # a door count next to the body word is never left outside the span
            for word in before + after:
                assert not re.fullmatch(r"\d ?-?d(r|oor)?|\dD", word, re.I), (x.title, x.title_spans)


def test_maker_badges_inside_trims_and_alone_as_drivetrain(listings):
    trims = [text for _, text, _, _ in _spans(listings, "TRIM")]
    badges = {b.casefold() for bs in cat.TRIM_BADGES.values() for b in bs}
    assert any(t.split()[-1].casefold() in badges and len(t.split()) > 1 for t in trims)  # "S 580 4MATIC"
    drives = [text.casefold() for _, text, _, _ in _spans(listings, "DRIVETRAIN")]
    assert badges & set(drives)  # "quattro" standing alone
    for x in listings:
        ordered = sorted(x.title_spans)
        for (_s1, e1, l1), (s2, e2, l2) in zip(ordered, ordered[1:], strict=False):
            if l1 == "TRIM" and l2 == "DRIVETRAIN" and x.title[e1:s2] == " ":
                assert x.title[s2:e2].casefold() not in badges, x.title  # a badge after a trim is TRIM


def test_lexus_family_and_number_and_model_repeated(listings):
    lexus = [
        x for x in listings if x.attributes["Make"] == "Lexus" and x.attributes["Model"] in {"LS", "ES", "IS"}
    ]
    trims = {x.title[s:e] for x in lexus for s, e, lab in x.title_spans if lab == "TRIM"}
    assert any(t.isdigit() for t in trims)  # "LS 400": MODEL "LS", TRIM "400"
    assert any(t[:2] in {"LS", "ES", "IS"} for t in trims)  # "LS LS500": the family again in the trim
    repeated = [x for x in listings if x.attributes.get("Trim") == x.attributes["Model"]]
    assert repeated
    for x in repeated:
        labels = [lab for _, _, lab in sorted(x.title_spans)]
        assert labels.count("MODEL") <= 1 and labels.count("TRIM") <= 1


def test_engines_and_mileage_in_many_forms(listings):
    engines = {text for _, text, _, _ in _spans(listings, "ENGINE")}
    assert any("HEMI" in x.attributes["Engine"] for x in listings)  # "5.7L V8 HEMI", written out:
    assert {"5.7L V8 HEMI", "V8 HEMI", "350ci V8", "V8 5.7"} <= set(cat.engine_surfaces("5.7L V8 HEMI"))
    assert "2.0" not in cat.engine_surfaces("2.0L I4")  # a bare displacement after the model is TRIM
    assert any(re.fullmatch(r"\d{3}(ci)?( V8)?", e) for e in engines)  # "350ci V8"
    assert any(re.fullmatch(r"\d\.\dL V\d+", e) for e in engines)
    mileage = {text.casefold() for _, text, _, _ in _spans(listings, "MILEAGE")}
    assert any(m.endswith("original miles") for m in mileage)
    assert any(re.fullmatch(r"\d+k mi", m) for m in mileage)
    assert any(re.fullmatch(r"\d{1,3},\d{3} miles", m) for m in mileage)


def test_chassis_codes_are_trim(listings):
    chassis = [text for _, text, _, _ in _spans(listings, "TRIM") if re.search(r"\b(W\d{3}|E\d{2})\b", text)]
    assert chassis  # "W126 560SEL", "E46 330i"


def test_restatements_stay_unlabelled(listings):
    restated = 0
    for x in listings:
        for label in ("MAKE", "MODEL", "YEAR", "TRIM"):
            assert sum(lab == label for _, _, lab in x.title_spans) <= 1, x.title
        make_span = [x.title[s:e].casefold() for s, e, lab in x.title_spans if lab == "MAKE"]
        if make_span and x.title.casefold().count(make_span[0]) > 1:
            restated += 1
    assert restated > 0


def test_same_seed_same_site_and_mix_changes_titles():
    a = generate_listings(200, seed=5)
    assert a == generate_listings(200, seed=5) == generate_listings(200, seed=5, mix=DEFAULT_MIX)
    rich = generate_listings(200, seed=5, mix=TitleMix(stop=0.1, characteristics=3.0))
    assert rich == generate_listings(200, seed=5, mix=TitleMix(stop=0.1, characteristics=3.0))
    assert [x.title for x in rich] != [x.title for x in a]
    assert sum(len(x.title_spans) for x in rich) > sum(len(x.title_spans) for x in a)


@pytest.mark.parametrize(
    "bad", [{"stop": -0.1}, {"stop": 0.6, "dealer": 0.3, "short": 0.3}, {"characteristics": -1}]
)
def test_bad_mix_is_rejected(bad):
    with pytest.raises(ValueError, match="title mix"):
        TitleMix(**bad)


def test_form_frequencies_follow_real_titles(shared_data):
    """Each seller's form within a few points of its real share (../shared; skipped without it)."""
    real = realism.read_real_titles(shared_data / "car-titles" / "ebay_motors_sedans_info.csv")
    fr = realism.form_frequencies(real)
    fg = realism.form_frequencies([x.title for x in generate_listings(3000, seed=0)])
    for form in realism.FORMS:
        assert abs(fr[form] - fg[form]) < 0.04, (form, fr[form], fg[form])
    assert sum(abs(fr[f] - fg[f]) for f in fr) / len(fr) < 0.015


def test_after_ebays_other_model_the_name_is_trim(listings):
    others = [x for x in listings if x.specifics["Model"] == "Other"]
    assert others
    for x in others:
        assert "MODEL" not in {lab for _, _, lab in x.title_spans}, x.title  # "Other" is left out
        assert x.attributes["Trim"].startswith(x.attributes["Model"])
    assert any(x.title[s:e] for x in others for s, e, lab in x.title_spans if lab == "TRIM")
