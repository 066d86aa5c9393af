"""Pure functions from eBay HTML to records (BeautifulSoup on lxml); no I/O, no network.

eBay serves several markups at once: search results as old `li.s-item` rows and new `li.s-card`
cards (sometimes mixed in one page), item pages with `ux-labels-values` rows (and the older
`.itemAttr` tables). Everything is matched by page *structure*, never by English label text, so
French or German pages parse the same way. Missing fields come back as None instead of raising.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

__all__ = [
    "ParsedListing",
    "Price",
    "SearchHit",
    "SearchResults",
    "extract_item_id",
    "is_blocked",
    "normalize_text",
    "parse_description",
    "parse_item_page",
    "parse_price",
    "parse_search_page",
    "parse_search_results",
]

PARSER = "lxml"


@dataclass(frozen=True)
class Price:
    """A price as shown on a page; `high` is set for ranges such as "£5.99 to £14.99"."""

    amount: float
    currency: str | None
    high: float | None = None


@dataclass(frozen=True)
class SearchHit:
    """One listing on a search results page."""

    item_id: str
    title: str
    price: float | None
    currency: str | None
    url: str
    price_max: float | None = None


@dataclass(frozen=True)
class SearchResults:
    """What the crawler needs from a search page: hits, where to go next, whether eBay blocked us."""

    hits: list[SearchHit]
    next_url: str | None
    blocked: bool


@dataclass
class ParsedListing:
    """What an item page (plus its description frame) says about one listing."""

    item_id: str | None
    title: str | None
    price: float | None
    currency: str | None
    location: str | None
    condition: str | None
    specifics: OrderedDict[str, str] = field(default_factory=OrderedDict)
    description_url: str | None = None
    description: str | None = None
    url: str | None = None


# ---------------------------------------------------------------------------------------------- text


_WS = re.compile(r"\s+")
# Screen-reader helpers eBay puts inside links and titles (all locales use the `.clipped` class).
_NOISE_SELECTORS = ".clipped, .LIGHT_HIGHLIGHT, .s-item__title--tagblock, script, style"
_OPENS_NEW_WINDOW = re.compile(r"\s*Opens in a new window or tab\s*$", re.IGNORECASE)


def normalize_text(text: str | None) -> str | None:
    """Collapse runs of whitespace (incl. NBSP) to one space and strip; empty becomes None."""
    if text is None:
        return None
    cleaned = _WS.sub(" ", text.replace("\u200b", "")).strip()
    return cleaned or None


def _text(node: Tag | None, drop: str = _NOISE_SELECTORS) -> str | None:
    """Visible text of a node without screen-reader helpers, whitespace-normalised."""
    if node is None:
        return None
    if drop and node.select_one(drop) is not None:
        node = BeautifulSoup(str(node), PARSER)  # work on a copy: parse functions stay pure
        for junk in node.select(drop):
            junk.decompose()
    return normalize_text(node.get_text(" "))


def _soup(html: str | bytes) -> BeautifulSoup:
    return BeautifulSoup(html, PARSER)


# --------------------------------------------------------------------------------------------- price

_CURRENCY_SYMBOLS: list[tuple[str, str]] = [
    # longest first so "US $" wins over "$"
    ("US $", "USD"),
    ("US$", "USD"),
    ("C $", "CAD"),
    ("C$", "CAD"),
    ("CA $", "CAD"),
    ("AU $", "AUD"),
    ("AU$", "AUD"),
    ("A $", "AUD"),
    ("NZ $", "NZD"),
    ("HK $", "HKD"),
    ("S $", "SGD"),
    ("$", "USD"),
    ("£", "GBP"),
    ("€", "EUR"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("zł", "PLN"),
    ("Fr.", "CHF"),
]
_ISO = {
    "EUR",
    "GBP",
    "USD",
    "CAD",
    "AUD",
    "CHF",
    "PLN",
    "SEK",
    "NOK",
    "DKK",
    "JPY",
    "INR",
    "NZD",
    "HKD",
    "SGD",
    "MXN",
    "CZK",
    "HUF",
}
_CUR = "|".join([re.escape(s) for s, _ in _CURRENCY_SYMBOLS] + [rf"\b{c}\b" for c in sorted(_ISO)])
# A number either with 3-digit group separators (1,234.56 / 1.234,56 / 1 234) or plain (164,00 / 5.99).
_NUM = r"\d{1,3}(?:[,.'\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d{1,2})?(?!\d)"
_PRICE = re.compile(rf"(?P<pre>{_CUR})?\s*(?P<num>{_NUM})\s*(?P<post>{_CUR})?")


def _currency_code(token: str | None) -> str | None:
    if not token:
        return None
    token = _WS.sub(" ", token.strip())
    if token in _ISO:
        return token
    for symbol, code in _CURRENCY_SYMBOLS:
        if token == symbol:
            return code
    return None


def _to_float(num: str) -> float:
    """Interpret thousands/decimal separators: the last of ',' or '.' followed by 1-2 digits is decimal."""
    num = re.sub(r"[\u00a0\u202f' ]", "", num)
    match = re.search(r"[.,](\d{1,2})$", num)
    if match:
        integer = re.sub(r"[.,]", "", num[: match.start()])
        return float(f"{integer}.{match.group(1)}")
    return float(re.sub(r"[.,]", "", num))


def parse_price(text: str | None) -> Price | None:
    """Price from eBay's display text: "$12,500.00", "£5.99 to £14.99", "EUR 164,00 oder Preisvorschlag".

    The low end of a range is the price, the high end is kept in `high`. None when no amount is found.
    """
    text = normalize_text(text)
    if not text:
        return None
    matches = [m for m in _PRICE.finditer(text)]
    if not matches:
        return None
    priced = [m for m in matches if m.group("pre") or m.group("post")] or matches
    first = priced[0]
    currency = _currency_code(first.group("pre") or first.group("post"))
    high = _to_float(priced[1].group("num")) if len(priced) > 1 else None
    return Price(amount=_to_float(first.group("num")), currency=currency, high=high)


# ----------------------------------------------------------------------------------------- item ids

_ITEM_ID = re.compile(r"/itm/(?:[^/?#]+/)?(\d{9,15})(?:[/?#]|$)")


def extract_item_id(url: str | None) -> str | None:
    """eBay item id from `/itm/<id>` or the old slug form `/itm/<Title-Slug>/<id>`; None otherwise.

    Ids are 9-15 digits; eBay's "Shop on eBay" placeholder rows link to `/itm/123456`, which is rejected.
    """
    if not url:
        return None
    match = _ITEM_ID.search(url)
    return match.group(1) if match else None


# --------------------------------------------------------------------------------------------- block

_BLOCK_TITLES = re.compile(
    r"pardon our interruption|service unavailable|access denied|security measure|robot check"
    r"|are you a human|attention required|request blocked|checking your browser|zero size object",
    re.IGNORECASE,
)
_BLOCK_MARKERS = re.compile(
    r"errors\.edgesuite\.net|/splashui/captcha|id=\"captcha|g-recaptcha|hcaptcha|cf-chl-|px-captcha",
    re.IGNORECASE,
)


def _looks_blocked(soup: BeautifulSoup, html: str) -> bool:
    title = soup.title.get_text(" ") if soup.title else ""
    h1 = soup.h1.get_text(" ") if soup.h1 else ""
    if _BLOCK_TITLES.search(title) or _BLOCK_TITLES.search(h1):
        return True
    # Marker strings only count on small pages: a real results page may mention "captcha" in its scripts.
    return len(html) < 200_000 and bool(_BLOCK_MARKERS.search(html))


def is_blocked(html: str | bytes) -> bool:
    """True for bot walls and edge errors served in place of content (often with status 200).

    Recognises eBay's "Pardon Our Interruption" splash, Akamai "Service Unavailable - Zero size object"
    and the usual captcha/challenge pages. A blocked page must never be read as "0 results".
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    return _looks_blocked(_soup(html), html)


# -------------------------------------------------------------------------------------------- search


def _hit_from_row(row: Tag, base_url: str | None) -> SearchHit | None:
    """One `li.s-item` or `li.s-card` → SearchHit; None for placeholders and empty template rows."""
    is_card = "s-card" in (row.get("class") or [])
    if is_card:
        title_node = row.select_one(".s-card__title")
        price_node = row.select_one(".s-card__price")
        links = row.select("a.su-link[href], a[href*='/itm/']")
    else:
        title_node = row.select_one(".s-item__title")
        price_node = row.select_one(".s-item__price")
        links = row.select("a.s-item__link[href], a[href*='/itm/']")
    title = _text(title_node)
    if title:
        title = _OPENS_NEW_WINDOW.sub("", title) or None
    url = None
    item_id = None
    for link in links:
        candidate = extract_item_id(link.get("href"))
        if candidate:
            url, item_id = link["href"], candidate
            break
    if item_id is None and is_card:
        listing_id = row.get("data-listingid")
        if listing_id and re.fullmatch(r"\d{9,15}", str(listing_id)):
            item_id = str(listing_id)
    if not title or not item_id:
        return None
    if url is None:
        url = f"/itm/{item_id}"
    if base_url:
        url = urljoin(base_url, url)
    price = parse_price(_text(price_node))
    return SearchHit(
        item_id=item_id,
        title=title,
        price=price.amount if price else None,
        currency=price.currency if price else None,
        url=url,
        price_max=price.high if price else None,
    )


def _next_url(soup: BeautifulSoup, base_url: str | None) -> str | None:
    for node in soup.select("a.pagination__next, .pagination__next a, a[rel=next], link[rel=next]"):
        href = node.get("href")
        if not href or node.get("aria-disabled") == "true":
            continue
        return urljoin(base_url, href) if base_url else href
    return None


def parse_search_results(html: str | bytes, base_url: str | None = None) -> SearchResults:
    """Hits (both layouts, page order, de-duplicated by item id), the next-page URL and the blocked flag."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    soup = _soup(text)
    if _looks_blocked(soup, text):
        return SearchResults(hits=[], next_url=None, blocked=True)
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for row in soup.select("li.s-item, li.s-card"):
        hit = _hit_from_row(row, base_url)
        if hit is not None and hit.item_id not in seen:
            seen.add(hit.item_id)
            hits.append(hit)
    return SearchResults(hits=hits, next_url=_next_url(soup, base_url), blocked=False)


def parse_search_page(html: str | bytes, base_url: str | None = None) -> list[SearchHit]:
    """Listings of a search results page (`li.s-item` and `li.s-card`, also mixed)."""
    return parse_search_results(html, base_url).hits


# ---------------------------------------------------------------------------------------------- item

# Hidden/expandable helpers inside `ux-labels-values` values: buttons, "see all" links, screen-reader text.
_VALUE_NOISE = (
    ".clipped, button, script, style, [data-testid=ux-action], a.ux-action,"
    " .ux-expandable-textual-display-block-inline__control"
)


def _label_value(row: Tag) -> tuple[str | None, str | None]:
    label = _text(row.select_one(".ux-labels-values__labels"), _VALUE_NOISE)
    values = row.select_one(".ux-labels-values__values")
    if values is None:
        return label, None
    # A long value is shown truncated with its full text in a hidden expandable block: prefer the full one.
    full = values.select_one(".ux-expandable-textual-display-block-inline.hide [data-testid=text]")
    value = _text(full, _VALUE_NOISE) if full is not None else None
    if not value:
        visible = values.select_one("[data-testid=text]")
        value = _text(visible if visible is not None else values, _VALUE_NOISE)
    if label:
        label = label.rstrip(":").strip() or None
    return label, value


def _specifics(soup: BeautifulSoup) -> OrderedDict[str, str]:
    """Item specifics in page order, first occurrence of a name wins.

    The "About this item" sections are `ux-layout-section-evo` blocks (the shipping/returns/payments rows
    use the same `ux-labels-values` class in plain `ux-layout-section` blocks, which are not specifics).
    """
    rows = soup.select(".ux-layout-section-evo .ux-labels-values")
    if not rows:
        rows = soup.select(
            ".ux-layout-section--features .ux-labels-values, #viTabs_0_is .ux-labels-values,"
            " [data-testid=x-about-this-item] .ux-labels-values"
        )
    specifics: OrderedDict[str, str] = OrderedDict()
    for row in rows:
        label, value = _label_value(row)
        if label and value and label not in specifics:
            specifics[label] = value
    if not specifics:
        specifics = _old_item_attr_specifics(soup)
    return specifics


def _old_item_attr_specifics(soup: BeautifulSoup) -> OrderedDict[str, str]:
    """Older item pages: `.itemAttr table` rows of alternating label/value cells."""
    specifics: OrderedDict[str, str] = OrderedDict()
    for tr in soup.select(".itemAttr table tr"):
        cells = tr.find_all("td", recursive=False)
        for label_td, value_td in zip(cells[0::2], cells[1::2], strict=False):
            label = _text(label_td, _VALUE_NOISE)
            value = _text(value_td, _VALUE_NOISE)
            if label:
                label = label.rstrip(":").strip()
            if label and value and label not in specifics:
                specifics[label] = value
    return specifics


def _item_id_of_page(soup: BeautifulSoup, url: str | None) -> str | None:
    for node in soup.select("link[rel=canonical], meta[property='og:url']"):
        item_id = extract_item_id(node.get("href") or node.get("content"))
        if item_id:
            return item_id
    item_id = extract_item_id(url)
    if item_id:
        return item_id
    for node in soup.select("[data-itemid], [data-item-id]"):
        candidate = str(node.get("data-itemid") or node.get("data-item-id"))
        if re.fullmatch(r"\d{9,15}", candidate):
            return candidate
    return None


def _title_of_page(soup: BeautifulSoup) -> str | None:
    title = _text(soup.select_one("h1.x-item-title__mainTitle, .x-item-title__mainTitle"))
    if title:
        return title
    old = soup.select_one("h1#itemTitle")
    if old is not None:
        return _text(old, ".clipped, .g-hdn, script, style")
    meta = soup.select_one("meta[property='og:title']")
    return normalize_text(meta.get("content")) if meta is not None else None


def _price_of_page(soup: BeautifulSoup) -> Price | None:
    primary = soup.select_one(".x-price-primary, [data-testid=x-price-primary]")
    if primary is not None:
        price = parse_price(_text(primary))
        if price is not None:
            return price
    for selector in ("#prcIsum", "#mm-saleDscPrc", "#prcIsum_bidPrice"):
        price = parse_price(_text(soup.select_one(selector)))
        if price is not None:
            return price
    amount = soup.select_one("[itemprop=price]")
    if amount is not None:
        price = parse_price(amount.get("content") or _text(amount))
        currency_node = soup.select_one("[itemprop=priceCurrency]")
        currency = currency_node.get("content") if currency_node is not None else None
        if price is not None:
            return Price(price.amount, currency or price.currency, price.high)
    return None


def _condition_of_page(soup: BeautifulSoup) -> str | None:
    node = soup.select_one(".x-item-condition-text .ux-textspans, .x-item-condition-value .ux-textspans")
    if node is not None:
        return _text(node)
    row = soup.select_one(".ux-labels-values--condition")
    if row is not None:
        _, value = _label_value(row)
        if value:
            return value.split(":")[0].strip() or None
    return _text(soup.select_one("#vi-itm-cond, .condText"))


_LABELLED = re.compile(r"^[^:]{1,40}:\s*(.+)$")


def _location_of_page(soup: BeautifulSoup) -> str | None:
    """ "Located in: Paris, France" / "Standort: Delmenhorst, Deutschland": the secondary text of the
    shipping section that has the `Label: value` form (the label's wording depends on the site language)."""
    node = soup.select_one("[data-testid=ux-labels-values--itemLocation] .ux-labels-values__values")
    if node is not None:
        return _text(node, _VALUE_NOISE)
    shipping = ", ".join(
        f"{section} .ux-textspans--SECONDARY"
        for section in (".ux-layout-section--shipping", ".ux-labels-values--shipping")
    )
    for span in soup.select(shipping):
        text = _text(span)
        match = _LABELLED.match(text or "")
        if match and not re.search(r"\d{1,2}[.:]\d{2}", match.group(1)[:8]):
            return match.group(1).strip()
    old = soup.select_one("[itemprop=availableAtOrFrom], .iti-eu-bld-gry")
    return _text(old)


def _description_url(soup: BeautifulSoup, url: str | None) -> str | None:
    frame = soup.select_one("iframe#desc_ifr[src], iframe[src*='desc']")
    if frame is None:
        return None
    src = frame["src"]
    return urljoin(url, src) if url else src


def parse_item_page(html: str | bytes, url: str | None = None) -> ParsedListing:
    """Item page → ParsedListing (id, title, price, currency, location, condition, ordered specifics,
    description URL). `url`, when known, is a fallback for the item id and resolves relative links."""
    soup = _soup(html)
    price = _price_of_page(soup)
    return ParsedListing(
        item_id=_item_id_of_page(soup, url),
        title=_title_of_page(soup),
        price=price.amount if price else None,
        currency=price.currency if price else None,
        location=_location_of_page(soup),
        condition=_condition_of_page(soup),
        specifics=_specifics(soup),
        description_url=_description_url(soup, url),
        url=url,
    )


def parse_description(html: str | bytes) -> str | None:
    """Seller's description text from the description frame, whitespace-normalised; None when empty."""
    soup = _soup(html)
    for junk in soup.select("script, style, noscript, head"):
        junk.decompose()
    root = (
        soup.select_one("#ds_div, .x-item-description-child, [data-testid=description]") or soup.body or soup
    )
    return normalize_text(root.get_text(" "))
