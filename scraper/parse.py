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
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Script,
    Stylesheet,
)

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
_OPENS_NEW_WINDOW = re.compile(r"\s*Opens in a new window or tab\s*$", re.IGNORECASE)
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction, Script, Stylesheet)
# Screen-reader helpers eBay puts inside links and titles (all locales use the `.clipped` class),
# "New listing" badges and sponsored tag blocks.
_NOISE_CLASSES = frozenset({"clipped", "LIGHT_HIGHLIGHT", "s-item__title--tagblock"})
# In `ux-labels-values` values also: buttons, "see all" links, the expandable "read more" control.
_VALUE_NOISE_CLASSES = _NOISE_CLASSES | {"ux-action", "ux-expandable-textual-display-block-inline__control"}
_NOISE_TAGS = frozenset({"script", "style", "noscript", "template"})


def normalize_text(text: str | None) -> str | None:
    """Collapse runs of whitespace (incl. NBSP) to one space and strip; empty becomes None."""
    if text is None:
        return None
    cleaned = _WS.sub(" ", text.replace("\u200b", "")).strip()
    return cleaned or None


def _is_noise(tag: Tag, classes: frozenset[str] | set[str]) -> bool:
    if tag.name in _NOISE_TAGS or tag.name == "button" and classes is _VALUE_NOISE_CLASSES:
        return True
    tag_classes = tag.get("class")
    return bool(tag_classes) and not classes.isdisjoint(tag_classes)


def _strings(node: Tag, classes: frozenset[str] | set[str]) -> list[str]:
    out: list[str] = []
    for child in node.children:
        if isinstance(child, Tag):
            if not _is_noise(child, classes):
                out.extend(_strings(child, classes))
        elif isinstance(child, NavigableString) and not isinstance(child, _SKIPPED_STRINGS):
            out.append(str(child))
    return out


def _text(node: Tag | None, classes: frozenset[str] | set[str] = _NOISE_CLASSES) -> str | None:
    """Visible text of a node without screen-reader helpers and badges, whitespace-normalised."""
    if node is None:
        return None
    return normalize_text(" ".join(_strings(node, classes)))


def _value_text(node: Tag | None) -> str | None:
    return _text(node, _VALUE_NOISE_CLASSES)


def _soup(html: str | bytes) -> BeautifulSoup:
    return BeautifulSoup(html, PARSER)


def _first(node: Tag | None, *class_names: str, name: str | None = None) -> Tag | None:
    """First descendant having any of the classes (bs4 `find` is far cheaper than CSS `select`)."""
    if node is None:
        return None
    found = node.find(name, class_=list(class_names)) if name else node.find(class_=list(class_names))
    return found if isinstance(found, Tag) else None


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


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
SMALL_PAGE = 200_000  # bot walls and edge errors are small; real result pages are ~0.5-2 MB


def _looks_blocked(html: str) -> bool:
    """Cheap text test (no DOM): the title (or, on small pages, the first h1) names a bot wall/edge error."""
    title = _TITLE.search(html[:100_000])
    if title and _BLOCK_TITLES.search(_TAGS.sub(" ", title.group(1))):
        return True
    if len(html) >= SMALL_PAGE:
        return False
    h1 = _H1.search(html)
    if h1 and _BLOCK_TITLES.search(_TAGS.sub(" ", h1.group(1))):
        return True
    # Marker strings only count on small pages: a real results page may mention "captcha" in its scripts.
    return bool(_BLOCK_MARKERS.search(html))


def _as_text(html: str | bytes) -> str:
    return html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html


def is_blocked(html: str | bytes) -> bool:
    """True for bot walls and edge errors served in place of content (often with status 200).

    Recognises eBay's "Pardon Our Interruption" splash, Akamai "Service Unavailable - Zero size object"
    and the usual captcha/challenge pages. A blocked page must never be read as "0 results".
    """
    return _looks_blocked(_as_text(html))


# -------------------------------------------------------------------------------------------- search


def _hit_from_row(row: Tag, base_url: str | None) -> SearchHit | None:
    """One `li.s-item` or `li.s-card` → SearchHit; None for placeholders and empty template rows."""
    is_card = "s-card" in (row.get("class") or [])
    prefix = "s-card" if is_card else "s-item"
    title = _text(_first(row, f"{prefix}__title"))
    if title:
        title = _OPENS_NEW_WINDOW.sub("", title) or None
    url = None
    item_id = None
    for link in row.find_all("a", href=True):
        candidate = extract_item_id(link["href"])
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
    price = parse_price(_text(_first(row, f"{prefix}__price")))
    return SearchHit(
        item_id=item_id,
        title=title,
        price=price.amount if price else None,
        currency=price.currency if price else None,
        url=url,
        price_max=price.high if price else None,
    )


def _next_url(soup: BeautifulSoup, base_url: str | None) -> str | None:
    candidates = soup.find_all(class_="pagination__next") + soup.find_all(["a", "link"], rel="next")
    for node in candidates:
        if node.name != "a" and node.name != "link":
            node = node.find("a", href=True) or node
        href = node.get("href")
        if not href or node.get("aria-disabled") == "true":
            continue
        return urljoin(base_url, href) if base_url else href
    return None


def parse_search_results(html: str | bytes, base_url: str | None = None) -> SearchResults:
    """Hits (both layouts, page order, de-duplicated by item id), the next-page URL and the blocked flag."""
    text = _as_text(html)
    if _looks_blocked(text):
        return SearchResults(hits=[], next_url=None, blocked=True)
    soup = _soup(text)
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for row in soup.find_all("li", class_=["s-item", "s-card"]):
        hit = _hit_from_row(row, base_url)
        if hit is not None and hit.item_id not in seen:
            seen.add(hit.item_id)
            hits.append(hit)
    return SearchResults(hits=hits, next_url=_next_url(soup, base_url), blocked=False)


def parse_search_page(html: str | bytes, base_url: str | None = None) -> list[SearchHit]:
    """Listings of a search results page (`li.s-item` and `li.s-card`, also mixed)."""
    return parse_search_results(html, base_url).hits


# ---------------------------------------------------------------------------------------------- item


def _label_value(row: Tag) -> tuple[str | None, str | None]:
    label = _value_text(_first(row, "ux-labels-values__labels"))
    if label:
        label = label.rstrip(":").strip() or None
    values = _first(row, "ux-labels-values__values")
    if values is None:
        return label, None
    # A long value is shown truncated, with its full text in a hidden expandable block: prefer the full one.
    value = None
    for block in values.find_all(class_="ux-expandable-textual-display-block-inline"):
        if "hide" in block.get("class", []):
            value = _value_text(block.find(attrs={"data-testid": "text"}) or block)
            break
    if not value:
        value = _value_text(values.find(attrs={"data-testid": "text"}) or values)
    return label, value


def _specifics(soup: BeautifulSoup) -> OrderedDict[str, str]:
    """Item specifics as the page shows them, in page order; the first occurrence of a name wins.

    The "About this item" sections are `ux-layout-section-evo` blocks (the shipping/returns/payments rows
    use the same `ux-labels-values` class in plain `ux-layout-section` blocks, which are not specifics).
    """
    sections = soup.find_all(class_="ux-layout-section-evo")
    if not sections:
        sections = [
            s
            for s in (soup.find(id="viTabs_0_is"), soup.find(attrs={"data-testid": "x-about-this-item"}))
            if isinstance(s, Tag)
        ] or soup.find_all(class_="ux-layout-section--features")
    specifics: OrderedDict[str, str] = OrderedDict()
    for section in sections:
        for row in section.find_all(class_="ux-labels-values"):
            label, value = _label_value(row)
            if label and value and label not in specifics:
                specifics[label] = value
    if not specifics:
        specifics = _old_item_attr_specifics(soup)
    return specifics


def _old_item_attr_specifics(soup: BeautifulSoup) -> OrderedDict[str, str]:
    """Older item pages: `.itemAttr table` rows of alternating label/value cells."""
    specifics: OrderedDict[str, str] = OrderedDict()
    for block in soup.find_all(class_="itemAttr"):
        for tr in block.find_all("tr"):
            cells = tr.find_all("td", recursive=False)
            for label_td, value_td in zip(cells[0::2], cells[1::2], strict=False):
                label = _value_text(label_td)
                value = _value_text(value_td)
                if label:
                    label = label.rstrip(":").strip()
                if label and value and label not in specifics:
                    specifics[label] = value
    return specifics


def _item_id_of_page(soup: BeautifulSoup, url: str | None) -> str | None:
    for node in (soup.find("link", rel="canonical"), soup.find("meta", property="og:url")):
        if isinstance(node, Tag):
            item_id = extract_item_id(node.get("href") or node.get("content"))
            if item_id:
                return item_id
    item_id = extract_item_id(url)
    if item_id:
        return item_id
    for attr in ("data-itemid", "data-item-id"):
        node = soup.find(attrs={attr: re.compile(r"^\d{9,15}$")})
        if isinstance(node, Tag):
            return str(node[attr])
    return None


def _title_of_page(soup: BeautifulSoup) -> str | None:
    title = _text(_first(soup, "x-item-title__mainTitle"))
    if title:
        return title
    old = soup.find("h1", id="itemTitle")
    if isinstance(old, Tag):
        return _text(old, _NOISE_CLASSES | {"g-hdn"})
    meta = soup.find("meta", property="og:title")
    return normalize_text(meta.get("content")) if isinstance(meta, Tag) else None


def _price_of_page(soup: BeautifulSoup) -> Price | None:
    price = parse_price(_text(_first(soup, "x-price-primary")))
    if price is not None:
        return price
    for element_id in ("prcIsum", "mm-saleDscPrc", "prcIsum_bidPrice"):
        node = soup.find(id=element_id)
        price = parse_price(_text(node)) if isinstance(node, Tag) else None
        if price is not None:
            return price
    amount = soup.find(attrs={"itemprop": "price"})
    if isinstance(amount, Tag):
        price = parse_price(amount.get("content") or _text(amount))
        currency_node = soup.find(attrs={"itemprop": "priceCurrency"})
        currency = currency_node.get("content") if isinstance(currency_node, Tag) else None
        if price is not None:
            return Price(price.amount, currency or price.currency, price.high)
    return None


def _condition_of_page(soup: BeautifulSoup) -> str | None:
    block = _first(soup, "x-item-condition-text", "x-item-condition-value")
    node = _first(block, "ux-textspans")
    if node is not None:
        return _text(node)
    # The specifics row of the condition carries a language-independent class.
    row = _first(soup, "ux-labels-values--condition")
    if row is not None:
        _, value = _label_value(row)
        if value:
            return value.split(":")[0].strip() or None
    old = soup.find(id="vi-itm-cond") or _first(soup, "condText")
    return _text(old) if isinstance(old, Tag) else None


_LABELLED = re.compile(r"^[^:]{1,40}:\s*(.+)$")


def _location_of_page(soup: BeautifulSoup) -> str | None:
    """ "Located in: Paris, France" / "Standort: Delmenhorst, Deutschland": the secondary text of the
    shipping block that has the `Label: value` form (the label's wording depends on the site language)."""
    row = soup.find(attrs={"data-testid": "ux-labels-values--itemLocation"})
    if isinstance(row, Tag):
        return _value_text(_first(row, "ux-labels-values__values"))
    for section in soup.find_all(class_=["ux-layout-section--shipping", "ux-labels-values--shipping"]):
        for span in section.find_all(class_="ux-textspans--SECONDARY"):
            match = _LABELLED.match(_text(span) or "")
            if match:
                return match.group(1).strip()
    old = soup.find(attrs={"itemprop": "availableAtOrFrom"})
    return _text(old) if isinstance(old, Tag) else None


def _description_url(soup: BeautifulSoup, url: str | None) -> str | None:
    frame = soup.find("iframe", id="desc_ifr", src=True) or soup.find("iframe", src=re.compile("desc"))
    if not isinstance(frame, Tag):
        return None
    src = str(frame["src"])
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
    root = soup.find(id="ds_div") or _first(soup, "x-item-description-child") or soup.body or soup
    return _text(root, frozenset())
