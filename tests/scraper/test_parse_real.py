"""The parsers on every real saved eBay page (../shared/data/ebay-html; skipped when absent), with the
expectations written by reading each page: counts, ids, titles, prices, currencies, ranges, specifics,
and the layout path each page matched."""

from __future__ import annotations

import random

import pytest
from carner.scraper.parse import PageTooComplex, parse_description, parse_item_page, parse_search_results

from tests.scraper.real_pages import real_names, real_page, real_path


def test_japanese_display_prices_in_yen_with_ranges() -> None:
    results = parse_search_results(real_page("srp_ebay-com-jp-display_switch_2025_sitem.html"))
    hits = results.hits
    assert len(hits) == 60 and results.layout == "srp-results>s-item"
    assert {h.currency for h in hits} == {"JPY"}
    first = hits[0]
    assert first.item_id == "125098319434"
    assert first.title == "ニンテンドースイッチゲーム&コンソール 英国 英語 PAL EUR チョイス 新品 * Pay 1 配送"
    assert (first.price, first.price_max) == (3858.0, 13507.0)  # "3,858 円 ～ 13,507 円"
    assert [(h.item_id, h.price, h.price_max) for h in hits if h.price_max] == [
        ("125098319434", 3858.0, 13507.0),
        ("275258269367", 3858.0, 23156.0),
    ]
    assert (hits[1].item_id, hits[1].price) == ("334377840810", 1928.0)
    assert (hits[-1].item_id, hits[-1].title, hits[-1].price) == (
        "266682089194", "ピクミン 1+2 - Nintendo Switch 新品未開封 (2023 戦略)", 6841.0,
    )  # fmt: skip
    assert min(h.price for h in hits) == 1253.0 and max(h.price for h in hits) == 11120.0
    assert results.next_url is not None and "_pgn=2" in results.next_url


def test_new_listing_badge_is_not_part_of_the_title_and_prices_are_sgd() -> None:
    results = parse_search_results(real_page("srp_ebay-com-sg_airpods_2025_scard.html"))
    hits = {h.item_id: h for h in results.hits}
    assert len(results.hits) == 61 and results.layout == "srp-results>s-card"
    assert {h.currency for h in results.hits} == {"SGD"}
    assert (results.hits[0].item_id, results.hits[0].title, results.hits[0].price) == (
        "316742704009", "Apple AirPods 4", 200.0,
    )  # fmt: skip
    # the four cards carrying the `s-card__new-listing` badge: the seller's words only
    assert hits["317232773888"].title == "New Apple AirPods 4 MXP93LL/A ANC Active Noise Cancellation GENUINE"
    assert hits["317232773888"].price == 194.56
    assert hits["236302249199"].title == "Apple AirPods (4th Generation) with Active Noise Cancellation (ANC)"
    assert (
        hits["376521965144"].title == "Apple AirPods 4th Generation Active Noise Cancelling, New and Sealed"
    )
    assert hits["286796935182"].price == 167.97
    assert not any(h.title.lower().startswith("new listing") for h in results.hits)
    assert results.next_url is None


def test_side_module_items_are_not_results() -> None:
    results = parse_search_results(real_page("srp_ebay-com_hot-toys_2021_sitem.html"))
    ids = [h.item_id for h in results.hits]
    assert len(ids) == 58 and len(set(ids)) == 58 and results.layout == "srp-results>s-item"
    assert not {"133407052389", "232580159782"} & set(ids)  # the srp-merch side module's items
    first = results.hits[0]
    assert (first.item_id, first.price, first.currency) == ("154253394405", 319.99, "USD")
    assert first.title == "Hot Toys Darth Vader Star Wars 40th Anniversary V ESB 1/6 Scale Figure In Stock"
    assert (results.hits[-1].item_id, results.hits[-1].price) == ("224354869139", 449.99)
    assert {h.currency for h in results.hits} == {"USD"}


def test_a_carousel_copy_never_overrides_the_result_lists_price() -> None:
    results = parse_search_results(real_page("srp_ebay-de_apple_2022_sitem.html"))
    hits = {h.item_id: h for h in results.hits}
    assert len(results.hits) == 60 and len(hits) == 60 and results.layout == "srp-results>s-item"
    assert {h.currency for h in results.hits} == {"EUR"}
    # in the list as "EUR 124,00 bis EUR 174,00", in the "eBay Refurbished" carousel at EUR 138,00
    assert (hits["403989397722"].price, hits["403989397722"].price_max) == (124.0, 174.0)
    assert hits["385131128213"].price == 169.9 and hits["185076426382"].price == 159.0
    # carousel-only items are not results of the query
    assert not {"204100268164", "403989629228", "204157012008", "403996521284"} & set(hits)
    assert sorted((h.item_id, h.price, h.price_max) for h in results.hits if h.price_max) == [
        ("204135368452", 4.11, 29.5), ("373649272098", 234.95, 269.95), ("403989397722", 124.0, 174.0),
    ]  # fmt: skip
    first = results.hits[0]
    assert (first.item_id, first.price) == ("144278067683", 10.79)
    assert first.title == "3x 2m Ladekabel NYLON für Original iPhone 6 7 8 11 12 X XS XR Pro Max USB Apple"


def test_item_specifics_rows_without_the_row_wrapper() -> None:
    listing = parse_item_page(real_page("item_ebay-com_puma-shoes_2022_features-layout.html"))
    assert listing.layout == "about/bare-rows"
    assert listing.item_id == "403760625150"
    assert listing.title == "Puma RS-Dreamer J. Cole Basketball Shoes Red 193990-16 Men's Size 10.0"
    assert (listing.price, listing.currency) == (0.01, "USD")  # an auction's current bid
    assert listing.condition == "New without box"  # the `clipped` copy beside it is not repeated
    assert listing.location == "South San Francisco, California, United States"
    specifics = listing.specifics
    assert len(specifics) == 30
    assert list(specifics)[:4] == ["Condition", "Closure", "US Shoe Size", "Occasion"]
    assert specifics["Brand"] == "PUMA" and specifics["Model"] == "RS-Dreamer"
    assert specifics["US Shoe Size"] == "10" and specifics["Style Code"] == "193990-16"
    assert specifics["Product Line"] == "Puma Dreamer" and specifics["Color"] == "Red"
    assert specifics["Condition"].startswith("New without box: A brand-new, unused, and unworn item")
    assert "Read more" not in specifics["Condition"] and "See all condition" not in specifics["Condition"]
    assert listing.sources == {
        "title": "markup:h1", "price": "microdata", "condition": "markup:item-condition",
        "specifics": "about/bare-rows",
    }  # fmt: skip
    assert listing.empty_fields == ()
    assert listing.description_url and "item=403760625150" in listing.description_url


def test_item_pages_record_where_each_field_came_from() -> None:
    rtx = parse_item_page(real_page("item_226771798286_rtx5090_2025.html"))
    # JSON-LD names the product; its offer is eBay's conversion to US $, the listing's own price is EUR
    assert rtx.sources["title"] == "json-ld" and rtx.sources["price"] == "markup:x-price-primary"
    assert (rtx.price, rtx.currency, rtx.layout) == (3500.0, "EUR", "evo/dl")
    lego = parse_item_page(real_page("item_198187151691_lego_ebay-de_2026.html"))
    assert lego.sources["title"] == "json-ld" and lego.sources["price"] == "json-ld"
    assert (lego.title, lego.price, lego.currency) == (
        "LEGO 4 Juniors: Großes Piratenschiff (7075)",
        164.0,
        "EUR",
    )
    assert lego.layout == "evo/dl" and lego.empty_fields == ()


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("srp_ebay-co-uk_blu-ray_2025_scard.html", "srp-results>s-card"),
        ("srp_ebay-co-uk_warhammer_2021_sitem.html", "srp-results>s-item"),
        ("srp_ebay-com-jp-display_switch_2025_sitem.html", "srp-results>s-item"),
        ("srp_ebay-com-sg_airpods_2025_scard.html", "srp-results>s-card"),
        ("srp_ebay-com_hot-toys_2021_sitem.html", "srp-results>s-item"),
        ("srp_ebay-de_apple_2022_sitem.html", "srp-results>s-item"),
        ("blocked_pardon-our-interruption.html", "blocked"),
        ("blocked_akamai-service-unavailable.html", "blocked"),
    ],
)
def test_search_layout_paths(name: str, layout: str) -> None:
    results = parse_search_results(real_path(name).read_bytes())
    assert results.layout == layout
    assert results.empty_fields == (() if layout != "blocked" else ())


@pytest.mark.parametrize("name", real_names() or ["(../shared absent)"])
def test_every_real_page_cut_at_random_points_parses_without_an_exception(name: str) -> None:
    data = real_path(name).read_bytes()
    rng = random.Random(name)
    for cut in sorted(rng.randrange(1, len(data)) for _ in range(6)):
        piece = data[:cut]  # also cuts inside a UTF-8 sequence, a tag, an attribute, a comment
        try:
            parse_search_results(piece, base_url="https://www.ebay.com")
            parse_item_page(piece, url="https://www.ebay.com/itm/123456789012")
        except PageTooComplex:  # pragma: no cover - no real page is that big
            pytest.fail(f"{name} cut at {cut}: refused as too complex")
        parse_description(piece)
