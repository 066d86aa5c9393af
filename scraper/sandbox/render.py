"""Pure functions from sandbox listings to HTML in eBay's real markup (search pages, item pages, etc.).

The markup copies the structure of the saved eBay pages in ../shared/data/ebay-html: the old
`li.s-item` and the 2025 `li.s-card` search layouts (mixed within a page, with the "Shop on eBay"
placeholder rows and the empty template row), item pages with `h1.x-item-title__mainTitle`,
`.x-price-primary` and the "Item specifics" `dl.ux-labels-values` rows, and the description served
from a separate iframe URL. Parsers written against these pages should work on eBay's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from html import escape
from typing import Literal
from urllib.parse import urlencode

from carner.scraper.sandbox.generator import SandboxListing

Layout = Literal["s-item", "s-card", "mixed"]
LAYOUTS: tuple[Layout, ...] = ("s-card", "s-item", "mixed")
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
        card = layout == "s-card" or (layout == "mixed" and i % 2 == 1)
        row = _s_card_row if card else _s_item_row
        rows.append(row(listing, base_url, query, (page - 1) * page_size + i))
    empty = "" if listings else '<div class="srp-save-null-search"><h3>No exact matches found</h3></div>'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_h(query or 'Cars & Trucks')} for sale | eBay</title></head><body>"
        '<div id="mainContent"><div class="srp-controls__control srp-controls__count">'
        f'<h1 class="srp-controls__count-heading"><span class="BOLD">{total:,}</span> results for '
        f'<span class="BOLD">{_h(query)}</span></h1></div>'
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


def item_page(listing: SandboxListing, *, base_url: str) -> str:
    """The item page `/itm/<id>`: title, price, condition, location, item specifics, description iframe."""
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
        + item_specifics_section(listing)
        + '<div class="vim d-item-description" data-testid="d-item-description"><div class="section-title">'
        '<h2 class="section-title__title"><span class="ux-textspans">Item description from the seller</span>'
        f'</h2></div><iframe id="desc_ifr" title="Seller\'s description of item" src="{desc_src}" '
        'width="100%" height="500px" frameborder="0" loading="lazy"></iframe></div></div>'
        '<div class="ux-layout-section__textual-display--itemId"><span class="ux-textspans">eBay'
        " item number:"
        f'</span><span class="ux-textspans ux-textspans--BOLD">{listing.item_id}</span></div>'
        "</div></body></html>"
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
