"""Parser tests: pure functions on the real saved eBay pages (../shared, skipped when absent) and on
small hand-made snippets for the cases the real pages do not cover."""

from __future__ import annotations

import pytest
from carner.scraper.parse import (
    extract_item_id,
    is_blocked,
    parse_description,
    parse_item_page,
    parse_price,
    parse_search_page,
    parse_search_results,
)

from tests.scraper.real_pages import real_page

# ------------------------------------------------------------------------------------ real pages


def test_real_scard_search_page_all_listings_placeholders_skipped() -> None:
    html = real_page("srp_ebay-co-uk_blu-ray_2025_scard.html")
    hits = parse_search_page(html)
    assert len(hits) == 60  # 60 s-card listings; the 2 "Shop on eBay" s-item rows are placeholders
    first = hits[0]
    assert first.item_id == "357137470627"
    assert first.title == "Umbrella CREEP Blu-ray Limited Collector’s Edition Brand New Sealed"
    assert (first.price, first.currency) == (68.90, "GBP")
    assert "/itm/357137470627" in first.url
    assert all(h.title and "Opens in a new window" not in h.title for h in hits)
    assert all(h.price is not None and h.currency == "GBP" for h in hits)
    assert all(len(h.item_id) == 12 and h.item_id.isdigit() for h in hits)
    assert len({h.item_id for h in hits}) == 60
    assert "Shop on eBay" not in {h.title for h in hits}
    results = parse_search_results(html)
    assert not results.blocked and results.next_url is None


def test_real_old_sitem_search_page_with_ranges_and_slug_urls() -> None:
    html = real_page("srp_ebay-co-uk_warhammer_2021_sitem.html")
    results = parse_search_results(html)
    hits = results.hits
    assert len(hits) == 61  # 62 rows, the first is an empty template row
    assert all(h.title and h.price is not None for h in hits)
    assert hits[0].item_id == "264901451112"  # from /itm/<Title-Slug>/<id>
    assert hits[0].title == "Warhammer 40k Push-fit Primaris Space Marine Intercessor sprue 99380101121"
    ranged = next(h for h in hits if h.item_id == "124250904497")
    assert (ranged.price, ranged.price_max, ranged.currency) == (5.99, 14.99, "GBP")
    assert sum(h.price_max is not None for h in hits) == 13
    # "New listing" badges are not part of the title
    assert any(h.title.startswith("Warhammer 40,000 Sergeant Jovan") for h in hits)
    assert not any(h.title.startswith("New listing") for h in hits)
    assert results.next_url is not None and "_pgn=2" in results.next_url


def test_real_french_item_page_specifics_by_structure() -> None:
    listing = parse_item_page(real_page("item_226771798286_rtx5090_2025.html"))
    assert listing.item_id == "226771798286"
    assert listing.title.startswith("NVIDIA GeForce RTX 5090 FE Founders Edition")
    assert (listing.price, listing.currency) == (3500.0, "EUR")
    assert listing.condition == "New"
    assert listing.location == "Paris, France"
    specifics = listing.specifics
    assert len(specifics) == 15
    assert list(specifics)[0] == "Condition"
    assert specifics["Marque"] == "NVIDIA"
    assert specifics["Modèle du chipset/processeur graphique"] == "RTX 5090"
    assert specifics["Type de mémoire"] == "GDDR6X"
    assert specifics["Taille de la mémoire"] == "24 Go"
    # shipping / returns / payments rows use the same markup but are not item specifics
    assert not any(name.rstrip(":") in {"Shipping", "Returns", "Payments", "Delivery"} for name in specifics)
    assert listing.description_url and listing.description_url.startswith(
        "https://itm.ebaydesc.com/itmdesc/226771798286"
    )


def test_real_german_item_page_comma_decimal_price() -> None:
    listing = parse_item_page(real_page("item_198187151691_lego_ebay-de_2026.html"))
    assert listing.item_id == "198187151691"
    assert listing.title == "LEGO 4 Juniors: Großes Piratenschiff (7075)"
    assert (listing.price, listing.currency) == (164.0, "EUR")
    assert listing.condition == "Neu"
    assert listing.location == "Delmenhorst, Deutschland"
    specifics = listing.specifics
    assert specifics["Marke"] == "LEGO"
    assert specifics["Herstellernummer"] == "7075"
    assert specifics["Erscheinungsjahr"] == "2004"
    assert specifics["EAN"] == "0673419032247"
    assert len(specifics) == 16  # 14 in the features table + 2 only in the product sections
    assert not any(
        name in {"Versand", "Rücknahme", "Zahlungen", "Abholung", "Lieferung"} for name in specifics
    )


@pytest.mark.parametrize(
    "name", ["blocked_pardon-our-interruption.html", "blocked_akamai-service-unavailable.html"]
)
def test_real_block_pages_are_blocked_not_empty(name: str) -> None:
    html = real_page(name)
    assert is_blocked(html)
    results = parse_search_results(html)
    assert results.blocked and results.hits == []


@pytest.mark.parametrize(
    "name",
    [
        "srp_ebay-co-uk_blu-ray_2025_scard.html",
        "srp_ebay-co-uk_warhammer_2021_sitem.html",
        "item_226771798286_rtx5090_2025.html",
        "item_198187151691_lego_ebay-de_2026.html",
    ],
)
def test_real_content_pages_are_not_blocked(name: str) -> None:
    assert not is_blocked(real_page(name))


# ---------------------------------------------------------------------------------------- prices


@pytest.mark.parametrize(
    ("text", "amount", "currency", "high"),
    [
        ("$12,500.00", 12500.0, "USD", None),
        ("US $3,971.45", 3971.45, "USD", None),
        ("£5.99 to £14.99", 5.99, "GBP", 14.99),
        ("EUR 164,00 oder Preisvorschlag", 164.0, "EUR", None),
        ("EUR 3,500.00", 3500.0, "EUR", None),
        ("1.234,56 €", 1234.56, "EUR", None),
        ("C $1,200", 1200.0, "CAD", None),
        ("AU $9,999.99", 9999.99, "AUD", None),
        ("$8,500", 8500.0, "USD", None),
        ("12500", 12500.0, None, None),
    ],
)
def test_parse_price_formats(text: str, amount: float, currency: str | None, high: float | None) -> None:
    price = parse_price(text)
    assert price is not None
    assert (price.amount, price.currency, price.high) == (amount, currency, high)


@pytest.mark.parametrize("text", [None, "", "Free shipping", "Preis auf Anfrage"])
def test_parse_price_none(text: str | None) -> None:
    assert parse_price(text) is None


@pytest.mark.parametrize(
    ("url", "item_id"),
    [
        ("https://www.ebay.com/itm/226771798286", "226771798286"),
        ("https://www.ebay.com/itm/226771798286?hash=x", "226771798286"),
        ("https://www.ebay.co.uk/itm/Warhammer-40k-Push-fit/264901451112?epid=1", "264901451112"),
        ("/itm/123456789012/desc", "123456789012"),
        ("https://ebay.com/itm/123456?itmmeta=x", None),  # "Shop on eBay" placeholder
        ("https://www.ebay.com/sch/i.html?_nkw=car", None),
        (None, None),
    ],
)
def test_extract_item_id(url: str | None, item_id: str | None) -> None:
    assert extract_item_id(url) == item_id


# -------------------------------------------------------------------------------------- snippets

MIXED = """<html><head><title>cars | eBay</title></head><body><ul>
<li class="s-item"><div class="s-item__title">Shop on eBay</div><a class="s-item__link"
 href="https://ebay.com/itm/123456">x</a><span class="s-item__price">$20.00</span></li>
<li class="s-item"><a class="s-item__link" href="https://www.ebay.com/itm/2015-Ford-F-150-XLT/111122223333">
 <h3 class="s-item__title"><span class="LIGHT_HIGHLIGHT">New listing</span>2015 Ford  F-150 &amp; XLT</h3>
 <span class="clipped">Opens in a new window or tab</span></a>
 <span class="s-item__price">$21,500.00</span></li>
<li class="s-card" data-listingid="444455556666"><a class="su-link" href="/itm/444455556666?x=1">
 <div class="s-card__title"><span>2019 Toyota Camry SE</span>
 <span class="clipped">Opens in a new window or tab</span>
 </div></a><span class="s-card__price">$18,900.00</span></li>
<li class="s-card"><div class="s-card__title"></div></li>
</ul><a class="pagination__next" href="/sch/i.html?_nkw=cars&amp;_pgn=2">next</a></body></html>"""


def test_mixed_layouts_in_one_page() -> None:
    results = parse_search_results(MIXED, base_url="http://127.0.0.1:8000")
    assert [h.item_id for h in results.hits] == ["111122223333", "444455556666"]
    assert results.hits[0].title == "2015 Ford F-150 & XLT"
    assert results.hits[0].price == 21500.0
    assert results.hits[1].title == "2019 Toyota Camry SE"
    assert results.hits[1].url == "http://127.0.0.1:8000/itm/444455556666?x=1"
    assert results.next_url == "http://127.0.0.1:8000/sch/i.html?_nkw=cars&_pgn=2"


def test_last_page_has_no_next_url() -> None:
    html = MIXED.replace(
        'class="pagination__next" href', 'class="pagination__next" aria-disabled="true" href'
    )
    assert parse_search_results(html).next_url is None


def test_empty_results_page_is_not_blocked() -> None:
    results = parse_search_results("<html><head><title>x | eBay</title></head><body><ul></ul></body></html>")
    assert results.hits == [] and not results.blocked


def test_item_page_missing_fields_are_none() -> None:
    listing = parse_item_page("<html><body><p>nothing here</p></body></html>")
    assert listing.item_id is None and listing.title is None and listing.price is None
    assert listing.location is None and listing.condition is None and listing.description_url is None
    assert listing.specifics == {}


def test_old_item_attr_table() -> None:
    html = """<html><head><link rel="canonical" href="https://www.ebay.com/itm/555566667777"></head><body>
    <h1 id="itemTitle"><span class="g-hdn">Details about</span>2008 Honda Civic EX</h1>
    <span id="prcIsum">US $6,250.00</span>
    <div class="itemAttr"><table><tr><td class="attrLabels">Make:</td><td><span>Honda</span></td>
    <td class="attrLabels">Model:</td><td>Civic</td></tr>
    <tr><td class="attrLabels">Year:</td><td>2008</td></tr>
    </table></div></body></html>"""
    listing = parse_item_page(html)
    assert listing.item_id == "555566667777"
    assert listing.title == "2008 Honda Civic EX"
    assert (listing.price, listing.currency) == (6250.0, "USD")
    assert dict(listing.specifics) == {"Make": "Honda", "Model": "Civic", "Year": "2008"}


def test_item_id_falls_back_to_url_and_description_url_is_resolved() -> None:
    html = (
        '<html><body><h1 class="x-item-title__mainTitle">A car</h1>'
        '<iframe id="desc_ifr" src="/itm/999988887777/desc">'
    )
    listing = parse_item_page(html, url="http://127.0.0.1:9/itm/999988887777")
    assert listing.item_id == "999988887777"
    assert listing.description_url == "http://127.0.0.1:9/itm/999988887777/desc"


def test_parse_description_normalises_text() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><div id='ds_div'><p>Runs  great,&nbsp;new tires.</p>"
        "<script>var x=1;</script><p>One owner &amp; clean title.</p></div></body></html>"
    )
    assert parse_description(html) == "Runs great, new tires. One owner & clean title."
    assert parse_description("<html><body></body></html>") is None


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>503 Service Unavailable</title></head><body><h1>503</h1></body></html>",
        "<html><head><title>Cars | eBay</title></head><body><h1>0 results for camry</h1></body></html>",
    ],
)
def test_ordinary_error_and_empty_pages_are_not_bot_walls(html: str) -> None:
    assert not is_blocked(html)


# ------------------------------------------------------------------ prices and pages as eBay shows them


@pytest.mark.parametrize(
    ("text", "amount", "currency", "high"),
    [
        ("Was: $15,000 Now: $12,000", 12000.0, "USD", None),  # the current price, not the struck one
        ("Was: US $15,000 US $12,000", 12000.0, "USD", None),
        ("US $12,500.00 (approx. EUR 11.000,00)", 12500.0, "USD", None),  # the listing's currency
        ("£9,500.00 Approximately US $12,000.00", 9500.0, "GBP", None),
        ("A$ 5,000", 5000.0, "AUD", None),
        ("AU $5,000", 5000.0, "AUD", None),
        ("C$ 1,200", 1200.0, "CAD", None),
        ("NZ$ 300", 300.0, "NZD", None),
        ("$5-$10", 5.0, "USD", 10.0),
    ],
)
def test_parse_price_as_ebay_shows_it(text: str, amount: float, currency: str, high: float | None) -> None:
    price = parse_price(text)
    assert price is not None and (price.amount, price.currency, price.high) == (amount, currency, high)


@pytest.mark.parametrize("text", ["-$100", "\u2212£100", "9" * 400, "$" + "9" * 30])
def test_negative_or_absurd_prices_are_no_price(text: str) -> None:
    assert parse_price(text) is None


def _srp(rows: str) -> str:
    return f"<!DOCTYPE html><html><head><title>cars | eBay</title></head><body><ul>{rows}</ul></body></html>"


def _row(item_id: str, title: str) -> str:
    return (
        f'<li class="s-item"><a class="s-item__link" href="https://www.ebay.com/itm/{item_id}">'
        f'<div class="s-item__title"><span>{title}</span></div></a>'
        '<span class="s-item__price">$1,000.00</span></li>'
    )


def test_rows_inside_template_or_noscript_are_not_hits() -> None:
    html = _srp(
        _row("123456789012", "2015 Toyota Camry")
        + f"<template>{_row('223456789012', 'Shop on eBay')}</template>"
        + f"<noscript>{_row('323456789012', 'Placeholder')}</noscript>"
    )
    assert [hit.item_id for hit in parse_search_results(html).hits] == ["123456789012"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_pages_are_decoded(encoding: str) -> None:
    html = _srp(_row("123456789012", "Citroën C4 – 2019") + _row("223456789012", "Škoda Octavia"))
    hits = parse_search_results(html.encode(encoding)).hits
    assert [hit.title for hit in hits] == ["Citroën C4 – 2019", "Škoda Octavia"]
    assert not is_blocked(html.encode(encoding))


def test_a_title_that_never_closes_keeps_every_title_with_its_own_row() -> None:
    badge = '<span class="LIGHT_HIGHLIGHT">New listing</span>'
    row = '<li class="s-item"><a href="/itm/{}"><div class="s-item__title">' + badge
    html = _srp(
        row.format("111122223333")
        + "First <div>car</li>"
        + row.format("211122223333")
        + "Second</div></a></li>"
    )
    hits = parse_search_results(html).hits
    assert [(h.item_id, h.title) for h in hits] == [("111122223333", "First car"), ("211122223333", "Second")]


# ------------------------------------------------------------------ structured data, locales, currencies


@pytest.mark.parametrize(
    ("text", "amount", "currency", "high"),
    [
        ("3,858 円", 3858.0, "JPY", None),
        ("3,858 円 ～ 13,507 円", 3858.0, "JPY", 13507.0),
        ("￥1,200", 1200.0, "JPY", None),
        ("JPY 3,000", 3000.0, "JPY", None),
        ("S$ 199.00", 199.0, "SGD", None),
        ("CHF 25.50", 25.5, "CHF", None),
        ("Fr. 12.50", 12.5, "CHF", None),
        ("99,00 zł", 99.0, "PLN", None),
        ("PLN 1 299,00", 1299.0, "PLN", None),
        ("₹ 1,299.00", 1299.0, "INR", None),
        ("Rs. 500", 500.0, "INR", None),
        ("EUR 124,00 bis EUR 174,00", 124.0, "EUR", 174.0),
    ],
)
def test_parse_price_on_every_site(text: str, amount: float, currency: str, high: float | None) -> None:
    price = parse_price(text)
    assert price is not None and (price.amount, price.currency, price.high) == (amount, currency, high)


def test_badges_are_removed_by_element_in_any_language() -> None:
    html = _srp(
        '<li class="s-card" data-listingid="123456789012"><a href="/itm/123456789012">'
        '<div class="s-card__title"><span class="s-card__new-listing">Neues Angebot</span>'
        '<span class="su-styled-text primary default">VW Golf 1.4 TSI</span></div></a>'
        '<span class="s-card__price">EUR 9.500,00</span></li>'
    )
    hit = parse_search_results(html).hits[0]
    assert (hit.title, hit.price, hit.currency) == ("VW Golf 1.4 TSI", 9500.0, "EUR")


JSON_LD_PAGE = """<html><head><title>x</title>
<meta property="og:title" content="2016 Audi A4 Avant | eBay" />
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
 "name": "2016 Audi A4 Avant 2.0 TDI", "offers": {"@type": "Offer", "price": "14950.00",
 "priceCurrency": "GBP", "itemCondition": "https://schema.org/UsedCondition",
 "url": "https://www.ebay.co.uk/itm/334455667788"},
 "additionalProperty": [{"@type": "PropertyValue", "name": "Make", "value": "Audi"},
  {"@type": "PropertyValue", "name": "Model", "value": "A4"},
  {"@type": "PropertyValue", "name": "Fuel", "value": ["Diesel"]}]}</script>
</head><body><div class="vx-unknown">nothing eBay ever used</div></body></html>"""


def test_structured_data_first_with_each_field_recording_its_source() -> None:
    listing = parse_item_page(JSON_LD_PAGE)
    assert listing.item_id == "334455667788"  # from the offer's URL
    assert listing.title == "2016 Audi A4 Avant 2.0 TDI"
    assert (listing.price, listing.currency, listing.condition) == (14950.0, "GBP", "Used")
    assert dict(listing.specifics) == {"Make": "Audi", "Model": "A4", "Fuel": "Diesel"}
    assert listing.sources == {
        "title": "json-ld", "price": "json-ld", "condition": "json-ld",
        "specifics": "json-ld/additionalProperty",
    }  # fmt: skip
    assert listing.layout == "json-ld/additionalProperty"


def test_a_page_known_only_by_its_meta_is_an_unknown_layout() -> None:
    html = (
        '<html><head><meta property="og:title" content="2012 Honda Jazz  | eBay.co.uk" />'
        '<meta property="og:url" content="https://www.ebay.co.uk/itm/223344556677" /></head>'
        '<body><h1 class="vx-heading">2012 Honda Jazz</h1><meta itemprop="price" content="3450">'
        '<meta itemprop="priceCurrency" content="GBP"></body></html>'
    )
    listing = parse_item_page(html)
    assert (listing.item_id, listing.title) == ("223344556677", "2012 Honda Jazz")
    assert (listing.price, listing.currency) == (3450.0, "GBP")
    assert listing.sources["title"] == "meta:og:title" and listing.sources["price"] == "microdata"
    assert listing.layout == "unknown"
    assert listing.empty_fields == ("condition", "location", "specifics", "description_url")


def test_a_carousel_in_a_div_inside_the_result_list_is_not_results() -> None:
    html = _srp("").replace(
        "<ul></ul>",
        '<ul class="srp-results srp-list">'
        + _row("123456789012", "2015 Toyota Camry")
        + '<div class="srp-river-answer"><div class="carousel"><ul class="carousel__list">'
        + _row("223456789012", "Promoted Corolla")
        + "</ul></div></div>"
        + _row("323456789012", "2017 Honda Accord")
        + "</ul>",
    )
    results = parse_search_results(html)
    assert [h.item_id for h in results.hits] == ["123456789012", "323456789012"]
    assert results.layout == "srp-results>s-item"
