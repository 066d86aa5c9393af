"""Pure functions from sandbox listings to HTML in eBay's real markup (search pages, item pages, etc.).

The markup copies the structure of the saved eBay pages in ../shared/data/ebay-html: the old
`li.s-item` and the 2025 `li.s-card` search layouts (mixed within a page, with the "Shop on eBay"
placeholder rows and the empty template row), item pages with `h1.x-item-title__mainTitle`,
`.x-price-primary` and the "Item specifics" `dl.ux-labels-values` rows, and the description served
from a separate iframe URL. Parsers written against these pages should work on eBay's.

Older layouts too, so crawls meet them: search pages with a sponsored side module (`srp-merch`) and
a promo carousel repeating results at other prices (`s-item-merch`), item pages with 2022's
wrapper-less specifics rows (`features-rows`) and the older `itemAttr` table (`item-attr`); and two
simulated unannounced markup changes (`drifted`, `unknown`) for the layout-drift warnings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from html import escape
from typing import Literal
from urllib.parse import urlencode

from carner.scraper.sandbox.generator import SandboxListing

Layout = Literal["s-item", "s-card", "mixed", "s-item-merch"]
LAYOUTS: tuple[Layout, ...] = ("s-card", "s-item", "mixed")
# Older search pages: s-item rows with a sponsored side module (`srp-merch`) and a promo carousel in
# the result list repeating some results at other prices, as eBay served them in 2021-2022.
OLDER_LAYOUTS: tuple[Layout, ...] = ("s-item-merch",)
# Item pages: today's `ux-layout-section-evo` + `dl.ux-labels-values`; 2022's rows of bare label/value
# divs (no `ux-labels-values` wrapper); the older `itemAttr` table. "drifted" and "unknown" stand for
# a markup change eBay has not announced: specifics in classes no parser knows, or a whole page so.
ItemLayout = Literal["evo", "features-rows", "item-attr", "drifted", "unknown"]
ITEM_LAYOUTS: tuple[ItemLayout, ...] = ("evo", "features-rows", "item-attr")
SCREEN_READER = "Opens in a new window or tab"
PLACEHOLDER_ID = "123456"  # real pages link their "Shop on eBay" rows to a fake /itm/123456


def _h(text: object) -> str:
    return escape(str(text), quote=True)


def _digest(*parts: object) -> int:
    """A stable small hash (not Python's salted `hash`) so pages are identical across runs."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def format_price(price: float, currency: str = "USD", prefix: str = "$") -> str:
    """eBay's US price text: "$24,995.00" (search) or "US $24,995.00" (item page, prefix "US $")."""
    if currency != "USD":
        return f"{currency} {price:,.2f}"
    return f"{prefix}{price:,.2f}"


def title_slug(title: str) -> str:
    """The old eBay item URL slug: "2010-Toyota-Camry-one-owner" from a title."""
    slug = re.sub(r"[^0-9A-Za-z]+", "-", title).strip("-")
    return slug[:80].rstrip("-") or "item"


def item_url(base_url: str, listing: SandboxListing, query: str = "", slug: bool = False) -> str:
    """The link a search page gives an item: `/itm/<id>` or the old `/itm/<Title-Slug>/<id>`, plus"
    " tracking."""
    path = f"/itm/{title_slug(listing.title)}/{listing.item_id}" if slug else f"/itm/{listing.item_id}"
    params = {"hash": f"item{int(listing.item_id):x}:g:{listing.item_id[-6:]}AAOSw"}
    if query:
        params = {"_skw": query, **params}
    return f"{base_url}{path}?{urlencode(params)}"


def uses_slug_url(listing: SandboxListing) -> bool:
    """About one item in five is linked by its old slug URL, as in the 2021 reference page."""
    return _digest("slug", listing.item_id) % 5 == 0


def search_url(base_url: str, query: str, page: int, per_page: int | None = None) -> str:
    params: dict[str, object] = {"_nkw": query, "_sacat": 0, "_pgn": page}
    if per_page:
        params["_ipg"] = per_page
    return f"{base_url}/sch/i.html?{urlencode(params)}"


def _is_new_listing(listing: SandboxListing) -> bool:
    return _digest("new", listing.item_id) % 11 == 0


def _subtitle(listing: SandboxListing) -> str:
    mileage = listing.specifics.get("Mileage")
    condition = "Brand New" if listing.condition == "New" else "Pre-Owned"
    return f"{condition} · {mileage} mi" if mileage else condition


# --------------------------------------------------------------------------- search result rows


def _placeholder_row(base_url: str) -> str:
    """The "Shop on eBay" row real result pages start with (a placeholder, not a listing)."""
    href = _h(f"{base_url}/itm/{PLACEHOLDER_ID}?itmmeta=01SANDBOX&hash=item123546:g:acwAA9KNiJowH")
    return (
        '<li class="s-item s-item__pl-on-bottom" data-view="mi:1686|iid:1" id="">'
        '<div class="s-item__wrapper clearfix"><div class="s-item__image-section"><div class="s-item__image">'
        f'<a href="{href}" tabindex="-1" aria-hidden="true"><div class="s-item__image-wrapper'
        ' image-treatment">'
        '<img alt="Shop on eBay" src="/static/placeholder.png"></div></a></div></div>'
        '<div class="s-item__info clearfix"><div class="s-item__caption"></div>'
        f'<a class="s-item__link" href="{href}" tabindex="-1">'
        '<div class="s-item__title"><span role="heading" aria-level="3">Shop on eBay</span></div>'
        f'<span class="clipped">{SCREEN_READER}</span></a>'
        '<div class="s-item__subtitle"><span class="SECONDARY_INFO">Brand New</span></div>'
        '<div class="s-item__details clearfix"><div class="s-item__details-section--primary">'
        '<div class="s-item__detail s-item__detail--primary"><span class="s-item__price">$20.00</span></div>'
        '<div class="s-item__detail s-item__detail--primary"><span class="s-item__purchase-options '
        's-item__purchaseOptions">or Best Offer</span></div></div></div></div></div></li>'
    )


def _template_row() -> str:
    """The empty first row of old result pages: an `li.s-item` with no title, link or price."""
    return (
        '<li class="s-item"><div><div class="s-item__title--tagblock"><span role="text">'
        '<span class="s-di6vf5m">S</span><span class="s-vhzn5a">P</span><span class="s-di6vf5m">O</span>'
        '<span class="s-vhzn5a">N</span></span></div></div></li>'
    )


def _s_item_row(listing: SandboxListing, base_url: str, query: str, index: int) -> str:
    href = _h(item_url(base_url, listing, query, slug=uses_slug_url(listing)))
    new = '<span class="LIGHT_HIGHLIGHT">New Listing</span>' if _is_new_listing(listing) else ""
    price = _h(format_price(listing.price, listing.currency))
    offer = _digest("offer", listing.item_id) % 3 == 0
    return (
        f'<li class="s-item s-item__pl-on-bottom" data-view="mi:1686|iid:{index}"'
        f' id="item{int(listing.item_id):x}">'
        '<div class="s-item__wrapper clearfix"><div class="s-item__image-section"><div class="s-item__image">'
        f'<a href="{href}" tabindex="-1" aria-hidden="true"><div class="s-item__image-wrapper'
        ' image-treatment">'
        f'<img alt="{_h(listing.title)}" src="/static/{listing.item_id}.jpg"></div></a></div></div>'
        '<div class="s-item__info clearfix"><div class="s-item__caption"></div>'
        f'<a class="s-item__link" href="{href}">'
        '<div class="s-item__title"><span role="heading"'
        f' aria-level="3">{new}{_h(listing.title)}</span></div>'
        f'<span class="clipped">{SCREEN_READER}</span></a>'
        f'<div class="s-item__subtitle"><span class="SECONDARY_INFO">{_h(_subtitle(listing))}</span></div>'
        '<div class="s-item__details clearfix"><div class="s-item__details-section--primary">'
        '<div class="s-item__detail s-item__detail--primary"><span'
        f' class="s-item__price">{price}</span></div>'
        + (
            '<div class="s-item__detail s-item__detail--primary"><span class="s-item__purchase-options '
            's-item__purchaseOptions">or Best Offer</span></div>'
            if offer
            else ""
        )
        + '</div><div class="s-item__details-section--secondary">'
        '<span class="s-item__detail s-item__detail--secondary">'
        f'<span class="s-item__location s-item__itemLocation">Located in {_h(listing.location)}</span>'
        "</span></div></div></div></div></li>"
    )


def _s_card_row(listing: SandboxListing, base_url: str, query: str, index: int) -> str:
    href = _h(item_url(base_url, listing, query, slug=uses_slug_url(listing)))
    new = '<span class="LIGHT_HIGHLIGHT">New listing</span>' if _is_new_listing(listing) else ""
    # Newer cards also put the screen-reader text inside the title element.
    reader = (
        f'<span class="su-styled-text primary default clipped">{SCREEN_READER}</span>'
        if _digest("reader", listing.item_id) % 2 == 0
        else ""
    )
    price = _h(format_price(listing.price, listing.currency))
    return (
        f'<li class="s-card s-card--horizontal s-card--overflow" data-listingid="{listing.item_id}" '
        f'data-view="mi:1686|iid:{index}" id="item{int(listing.item_id):x}">'
        '<div class="su-card-container su-card-container--horizontal"><div class="su-card-container__media">'
        '<div class="su-media su-media--image"><div class="su-media__primary"><div class="su-media__image">'
        f'<a class="image-treatment" href="{href}" tabindex="-1" target="_blank">'
        f'<img alt="{_h(listing.title)}" class="s-card__image" src="/static/{listing.item_id}.webp"></a>'
        '</div></div></div></div><div class="su-card-container__content"><div'
        ' class="su-card-container__header">'
        f'<a class="su-link" aria-label="{SCREEN_READER}" href="{href}" target="_blank">'
        '<div class="s-card__title" role="heading" aria-level="3">'
        f'{new}<span class="su-styled-text primary default">{_h(listing.title)}</span>{reader}</div></a>'
        '<div class="s-card__subtitle-row"><div class="s-card__subtitle">'
        f'<span class="su-styled-text secondary default">{_h(_subtitle(listing))}</span></div></div></div>'
        '<div class="su-card-container__attributes"><div class="su-card-container__attributes__primary">'
        '<div class="s-card__attribute-row">'
        f'<span class="su-styled-text primary italic large-1 s-card__price">{price}</span></div>'
        '<div class="s-card__attribute-row"><span class="su-styled-text primary bold large">Buy It'
        " Now</span></div>"
        '<div class="s-card__attribute-row"><span class="su-styled-text secondary large">'
        f"Located in {_h(listing.location)}</span></div></div></div></div></div></li>"
    )


MERCH_IDS = ("990000000001", "990000000002")  # sponsored items of the side module: not on the site


def _merch_module(base_url: str) -> str:
    """A sponsored side module (`srp-merch`) with s-item rows that are not results of the query."""
    rows = "".join(
        f'<li class="s-item"><a class="s-item__link" href="{_h(base_url)}/itm/{item_id}">'
        f'<h3 class="s-item__title">Sponsored accessory {n}</h3></a>'
        f'<span class="s-item__price">$19.9{n}</span></li>'
        for n, item_id in enumerate(MERCH_IDS, start=1)
    )
    return (
        '<div class="s-answer-region s-answer-region-left-rail-bottom">'
        '<div class="srp-merch__items clearfix">'
        '<h2 class="srp-merch__title">Sponsored items</h2>'
        f'<ul class="srp-merch__items-list">{rows}</ul></div></div>'
    )


def _carousel_answer(listings: Sequence[SandboxListing], base_url: str, query: str) -> str:
    """A promo carousel inside the result list repeating some results at other prices (eBay 2022)."""
    cards = "".join(
        '<li class="s-item carousel__snap-point srp-items-carousel__list-item">'
        f'<a class="s-item__link" href="{_h(item_url(base_url, listing, query))}">'
        f'<h3 class="s-item__title">{_h(listing.title)}</h3></a>'
        '<span class="s-item__price">'
        f"{_h(format_price(round(listing.price * 1.1, 2), listing.currency))}</span>"
        "</li>"
        for listing in listings
    )
    return (
        '<li class="srp-river-answer srp-river-answer--REWRITE_START"><div class="carousel srp-grid'
        ' srp-items-carousel"><div class="carousel__container"><div class="carousel__viewport">'
        f'<ul class="carousel__list srp-items-carousel__list">{cards}</ul></div></div></div></li>'
    )


def _pagination(base_url: str, query: str, page: int, n_pages: int, per_page: int | None) -> str:
    parts = [
        '<nav class="pagination" role="navigation" aria-labelledby="pagination-heading">'
        f'<span role="status"><h2 class="clipped" id="pagination-heading">Results Pagination - Page {page}'
        "</h2></span>"
    ]
    if page > 1:
        prev = _h(search_url(base_url, query, page - 1, per_page))
        parts.append(f'<a aria-label="Previous page" class="pagination__previous" href="{prev}">&lt;</a>')
    else:
        parts.append('<button aria-disabled="true" class="pagination__previous" type="button">&lt;</button>')
    parts.append('<ol class="pagination__items">')
    for p in range(max(1, page - 4), min(n_pages, page + 4) + 1):
        current = ' aria-current="page"' if p == page else ""
        href = _h(search_url(base_url, query, p, per_page))
        parts.append(f'<li><a class="pagination__item" href="{href}"{current}>{p}</a></li>')
    parts.append("</ol>")
    if page < n_pages:
        nxt = _h(search_url(base_url, query, page + 1, per_page))
        parts.append(f'<a aria-label="Next page" class="pagination__next" href="{nxt}">&gt;</a>')
    else:
        parts.append('<button aria-disabled="true" class="pagination__next" type="button">&gt;</button>')
    parts.append("</nav>")
    return "".join(parts)


def search_page(
    listings: Sequence[SandboxListing],
    *,
    base_url: str,
    query: str,
    page: int,
    total: int,
    page_size: int,
    layout: Layout,
    per_page: int | None = None,
) -> str:
    """One search result page: `listings` are this page's rows; `total` how many matched the query."""
    n_pages = max(1, -(-total // page_size))
    rows: list[str] = []
    if layout == "s-item":
        rows.append(_template_row())
    rows.append(_placeholder_row(base_url))
    if layout != "s-item":
        rows.append(_placeholder_row(base_url))
    for i, listing in enumerate(listings, start=1):
        card = layout == "s-card" or (layout == "mixed" and i % 2 == 1)  # s-item-merch: s-item rows
        row = _s_card_row if card else _s_item_row
        rows.append(row(listing, base_url, query, (page - 1) * page_size + i))
    if layout == "s-item-merch" and listings:
        rows.insert(min(len(rows), 4), _carousel_answer(listings[:2], base_url, query))
    empty = "" if listings else '<div class="srp-save-null-search"><h3>No exact matches found</h3></div>'
    side = _merch_module(base_url) if layout == "s-item-merch" else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_h(query or 'Cars & Trucks')} for sale | eBay</title></head><body>"
        '<div id="mainContent"><div class="srp-controls__control srp-controls__count">'
        f'<h1 class="srp-controls__count-heading"><span class="BOLD">{total:,}</span> results for '
        f'<span class="BOLD">{_h(query)}</span></h1></div>'
        f'<div class="srp-rail__left">{side}</div>'
        f'<div id="srp-river-main" class="srp-main">{empty}<ul class="srp-results srp-list clearfix">'
        + "".join(rows)
        + "</ul>"
        + _pagination(base_url, query, page, n_pages, per_page)
        + "</div></div></body></html>"
    )


# --------------------------------------------------------------------------- item page


def _labels_values(name: str, value: str) -> str:
    key = re.sub(r"[^0-9A-Za-z]", "", name[:1].lower() + name.title()[1:])
    return (
        f'<dl class="ux-labels-values ux-labels-values--inline col-6 ux-labels-values--{key}" '
        'data-testid="ux-labels-values"><dt class="ux-labels-values__labels">'
        f'<div class="ux-labels-values__labels-content"><div><span class="ux-textspans">{_h(name)}</span>'
        '</div></div></dt><dd class="ux-labels-values__values"><div class="ux-labels-values__values-content">'
        f'<div><span class="ux-textspans">{_h(value)}</span></div></div></dd></dl>'
    )


def item_specifics_section(listing: SandboxListing) -> str:
    """The "Item specifics" section: Condition first, then two `dl.ux-labels-values` per row as on eBay."""
    pairs = [("Condition", listing.condition), *listing.specifics.items()]
    rows = []
    for i in range(0, len(pairs), 2):
        cols = "".join(
            f'<div class="ux-layout-section-evo__col">{_labels_values(n, v)}</div>'
            for n, v in pairs[i : i + 2]
        )
        rows.append(f'<div class="ux-layout-section-evo__row">{cols}</div>')
    return (
        '<div class="vim x-about-this-item" data-testid="x-about-this-item" id="viTabs_0_is">'
        '<div class="ux-layout-section-module-evo__container"><div class="ux-layout-section-module-evo">'
        '<div class="section-title"><div class="section-title__title-container"><h2'
        ' class="section-title__title">'
        '<span class="ux-layout-section-module-evo__title"><span class="ux-textspans">Item specifics</span>'
        "</span></h2></div></div>"
        '<div class="ux-layout-section-evo ux-layout-section--features" data-testid="ux-layout-section-evo">'
        '<div class="ux-layout-section-evo__item ux-layout-section-evo__item--table-view">'
        + "".join(rows)
        + "</div></div></div></div></div>"
    )


def item_page(listing: SandboxListing, *, base_url: str, layout: ItemLayout = "evo") -> str:
    """The item page `/itm/<id>`: title, price, condition, location, item specifics, description iframe.

    `layout` picks the markup (`ITEM_LAYOUTS`, or a simulated unannounced change: "drifted", "unknown").
    """
    if layout == "features-rows":
        return _features_rows_page(listing, base_url)
    if layout == "item-attr":
        return _item_attr_page(listing, base_url)
    if layout == "unknown":
        return _unknown_page(listing, base_url)
    price = _h(format_price(listing.price, listing.currency, prefix="US $"))
    desc_src = _h(f"{base_url}/itm/{listing.item_id}/desc")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_h(listing.title)} | eBay</title>"
        f'<link rel="canonical" href="{_h(base_url)}/itm/{listing.item_id}"></head><body>'
        f'<div id="mainContent" class="x-vi-evo-main-container" data-itemid="{listing.item_id}">'
        '<div class="vim x-item-title" data-testid="x-item-title"><h1 class="x-item-title__mainTitle">'
        f'<span class="ux-textspans ux-textspans--BOLD">{_h(listing.title)}</span></h1></div>'
        '<div class="vim x-price-section"><div class="x-bin-price__content">'
        '<div class="x-price-primary" data-testid="x-price-primary"><span'
        f' class="ux-textspans">{price}</span>'
        "</div></div></div>"
        '<div class="vim x-item-condition" data-testid="x-item-condition"><div'
        ' class="x-item-condition-label">'
        '<span class="ux-textspans">Condition:</span></div><div class="x-item-condition-text">'
        '<span class="ux-icon-text__text"><span data-testid="ux-textual-display">'
        f'<span class="ux-textspans">{_h(listing.condition)}</span></span></span></div></div>'
        '<div class="ux-labels-values--shipping"><div class="ux-labels-values__values-content"><div>'
        f'<span class="ux-textspans ux-textspans--SECONDARY">Located in: {_h(listing.location)}</span>'
        "</div></div></div>"
        '<div class="tabs__content">'
        + (_drifted_specifics(listing) if layout == "drifted" else item_specifics_section(listing))
        + '<div class="vim d-item-description" data-testid="d-item-description"><div class="section-title">'
        '<h2 class="section-title__title"><span class="ux-textspans">Item description from the seller</span>'
        f'</h2></div><iframe id="desc_ifr" title="Seller\'s description of item" src="{desc_src}" '
        'width="100%" height="500px" frameborder="0" loading="lazy"></iframe></div></div>'
        '<div class="ux-layout-section__textual-display--itemId"><span class="ux-textspans">eBay'
        " item number:"
        f'</span><span class="ux-textspans ux-textspans--BOLD">{listing.item_id}</span></div>'
        "</div></body></html>"
    )


def _pairs(listing: SandboxListing) -> list[tuple[str, str]]:
    return [("Condition", listing.condition), *listing.specifics.items()]


def _head(listing: SandboxListing, base_url: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_h(listing.title)} | eBay</title>"
        f'<meta Property="og:title" Content="{_h(listing.title)}  | eBay" />'
        f'<meta Property="og:url" Content="{_h(base_url)}/itm/{listing.item_id}" /></head>'
    )


def _desc_frame(listing: SandboxListing, base_url: str) -> str:
    src = _h(f"{base_url}/itm/{listing.item_id}/desc")
    return f'<iframe id="desc_ifr" src="{src}" width="100%" height="500px" frameborder="0"></iframe>'


def _features_rows_page(listing: SandboxListing, base_url: str) -> str:
    """2022's item page: specifics rows with label and value divs straight in each row (no
    `ux-labels-values` wrapper), condition in `d-item-condition-*` blocks, price in `#prcIsum` with
    `itemprop` microdata."""
    rows = "".join(
        '<div class="ux-layout-section__row"><div class="ux-labels-values__labels"><div'
        ' class="ux-labels-values__labels-content">'
        f'<div><span class="ux-textspans">{_h(n)}:</span></div></div>'
        '</div><div class="ux-labels-values__values"><div class="ux-labels-values__values-content"><div>'
        f'<span class="ux-textspans">{_h(v)}</span></div></div></div></div>'
        for n, v in _pairs(listing)
    )
    return (
        _head(listing, base_url)
        + '<body><div id="mainContent" itemscope itemtype="https://schema.org/Offer">'
        '<div class="vim x-item-title"><h1 class="x-item-title__mainTitle"><span class="ux-textspans'
        f' ux-textspans--BOLD">{_h(listing.title)}</span></h1></div>'
        f'<div class="val vi-price"><span class="notranslate" id="prcIsum" itemprop="price"'
        f' content="{listing.price:.2f}">'
        f"{_h(format_price(listing.price, listing.currency, prefix='US $'))}</span>"
        f'<span itemprop="priceCurrency" content="{_h(listing.currency)}"></span></div>'
        '<div class="vim d-item-condition"><div class="d-item-condition-label">Condition:</div>'
        '<div class="d-item-condition-value"><div class="d-item-condition-text"><span class="ux-textspans">'
        f"{_h(listing.condition)}</span>"
        f'<span class="clipped">{_h(listing.condition)}</span></div></div></div>'
        '<div class="ux-labels-values col-12 ux-labels-values--itemLocation">'
        '<div class="ux-labels-values__labels">'
        'Item location:</div><div class="ux-labels-values__values"><span class="ux-textspans">'
        f"{_h(listing.location)}</span></div></div>"
        '<div id="viTabs_0_is" class="vim x-about-this-item" data-testid="x-about-this-item">'
        '<div class="ux-layout-section ux-layout-section--features"><div class="ux-layout-section__item'
        f' ux-layout-section__item--table-view">{rows}</div></div></div>'
        f"{_desc_frame(listing, base_url)}</div></body></html>"
    )


def _item_attr_page(listing: SandboxListing, base_url: str) -> str:
    """The older item page: `#itemTitle`, `#prcIsum`, `#vi-itm-cond` and the `.itemAttr` table."""
    pairs = list(listing.specifics.items())
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="attrLabels">{_h(n)}:</td><td><span>{_h(v)}</span></td>' for n, v in pairs[i : i + 2]
        )
        + "</tr>"
        for i in range(0, len(pairs), 2)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<link rel="canonical" href="{_h(base_url)}/itm/{listing.item_id}"></head><body>'
        '<h1 class="it-ttl" id="itemTitle"><span class="g-hdn">Details about  </span>'
        f"{_h(listing.title)}</h1>"
        f'<span id="prcIsum">{_h(format_price(listing.price, listing.currency, prefix="US $"))}</span>'
        f'<div id="vi-itm-cond">{_h(listing.condition)}</div>'
        f'<span itemprop="availableAtOrFrom">{_h(listing.location)}</span>'
        f'<div class="itemAttr"><table>{rows}</table></div>'
        f"{_desc_frame(listing, base_url)}</body></html>"
    )


def _drifted_specifics(listing: SandboxListing) -> str:
    """Specifics in markup no parser knows (an unannounced change): the values are there, unfound."""
    rows = "".join(
        f'<div class="x-spec-row"><span class="x-spec-k">{_h(n)}</span>'
        f'<span class="x-spec-v">{_h(v)}</span></div>'
        for n, v in _pairs(listing)
    )
    return f'<section class="x-spec-grid" data-testid="x-spec-grid">{rows}</section>'


def _unknown_page(listing: SandboxListing, base_url: str) -> str:
    """A whole item page in markup no parser knows; only the `og:` meta still names the title."""
    return (
        _head(listing, base_url)
        + f'<body><main class="vx-page"><h1 class="vx-heading">{_h(listing.title)}</h1>'
        f'<div class="vx-amount">{_h(format_price(listing.price, listing.currency, prefix="US $"))}</div>'
        f"{_drifted_specifics(listing)}{_desc_frame(listing, base_url)}</main></body></html>"
    )


def description_page(listing: SandboxListing) -> str:
    """The iframe document `/itm/<id>/desc`: the seller's description in `div#ds_div`."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>eBay item description</title></head>'
        f'<body><div id="ds_div"><div class="x-item-description-child">{_h(listing.description)}</div></div>'
        "</body></html>"
    )


# --------------------------------------------------------------------------- other documents


def robots_txt(disallow: Sequence[str] = ()) -> str:
    """robots.txt: everything allowed unless `disallow` paths are given."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in disallow] or ["Allow: /"]
    return "\n".join(lines) + "\n"


def block_page() -> str:
    """eBay's bot wall ("Pardon Our Interruption"), served with status 200 like the real one."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Pardon Our Interruption...</title>'
        '</head><body><div id="px-captcha-wrapper"><h1>Pardon Our Interruption...</h1>'
        "<p>As you were browsing something about your browser made us think you were a bot. "
        "There are a few reasons this might happen:</p><ul><li>You're a power user moving through"
        " this website "
        "with super-human speed.</li><li>You've disabled cookies in your web browser.</li>"
        "<li>A third-party browser plugin, such as Ghostery or NoScript, is preventing JavaScript"
        " from running."
        "</li></ul><p>To regain access, please make sure that cookies and JavaScript are enabled before "
        'reloading the page.</p><div id="px-captcha"></div></div></body></html>'
    )


def error_page(status: int, message: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{status} {_h(message)}</title></head>"
        f"<body><h1>{status}</h1><p>{_h(message)}</p></body></html>"
    )
