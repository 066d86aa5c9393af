"""Pure functions from eBay HTML to records (BeautifulSoup on lxml); no I/O, no network.

eBay serves several markups at once: search results as old `li.s-item` rows and new `li.s-card`
cards (sometimes mixed in one page), item pages with `ux-labels-values` rows (and the older
`.itemAttr` tables). Everything is matched by page *structure*, never by English label text, so
French or German pages parse the same way. Missing fields come back as None instead of raising.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
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
_HIDDEN_CONTAINERS = ["template", "noscript"]


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
    """Visible strings under `node` in document order, skipping noise subtrees.

    An explicit stack, not recursion: a seller's description with thousands of unclosed tags nests
    that deep, and Python's recursion limit would stop the crawl at that item on every run.
    """
    out: list[str] = []
    stack: list[Iterator[Any]] = [iter(node.children)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif isinstance(child, Tag):
            if not _is_noise(child, classes):
                stack.append(iter(child.children))
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


def _tags(node: Tag) -> Iterator[Tag]:
    """Descendant tags in document order (a plain walk: bs4's `find` builds a filter per call)."""
    for element in node.descendants:
        if isinstance(element, Tag):
            yield element


def _first(node: Tag | None, *class_names: str) -> Tag | None:
    """First descendant carrying any of the classes."""
    if node is None:
        return None
    for tag in _tags(node):
        classes = tag.attrs.get("class")
        if classes and any(name in classes for name in class_names):
            return tag
    return None


def _all(node: Tag, class_name: str) -> list[Tag]:
    return [tag for tag in _tags(node) if class_name in (tag.attrs.get("class") or ())]


def _first_attr(node: Tag | None, attr: str, value: str) -> Tag | None:
    if node is None:
        return None
    for tag in _tags(node):
        if tag.attrs.get(attr) == value:
            return tag
    return None


class _Page:
    """A document indexed in one walk by class, id, tag name and a few attributes.

    Item pages ask for a dozen different things, most of them absent on one markup or the other;
    each bs4 `find` on a 700 KB page walks all of it again, which used to dominate parsing time.
    """

    ATTRS = ("data-testid", "itemprop", "property", "rel")

    def __init__(self, soup: BeautifulSoup) -> None:
        self.soup = soup
        self.by_class: dict[str, list[Tag]] = defaultdict(list)
        self.by_id: dict[str, Tag] = {}
        self.by_name: dict[str, list[Tag]] = defaultdict(list)
        self.by_attr: dict[tuple[str, str], list[Tag]] = defaultdict(list)
        self.position: dict[int, int] = {}
        for index, tag in enumerate(_tags(soup)):
            self.position[id(tag)] = index
            attrs = tag.attrs
            self.by_name[tag.name].append(tag)
            for name in attrs.get("class") or ():
                self.by_class[name].append(tag)
            element_id = attrs.get("id")
            if element_id and element_id not in self.by_id:
                self.by_id[element_id] = tag
            for attr in self.ATTRS:
                value = attrs.get(attr)
                if value:
                    for v in value if isinstance(value, list) else (value,):
                        self.by_attr[(attr, v)].append(tag)

    def first(self, *class_names: str, name: str | None = None) -> Tag | None:
        found = [t for c in class_names for t in self.by_class.get(c, ()) if name is None or t.name == name]
        return min(found, key=lambda t: self.position[id(t)]) if found else None

    def all(self, *class_names: str) -> list[Tag]:
        found = {id(t): t for c in class_names for t in self.by_class.get(c, ())}
        return sorted(found.values(), key=lambda t: self.position[id(t)])

    def attr(self, attr: str, value: str, name: str | None = None) -> Tag | None:
        for tag in self.by_attr.get((attr, value), ()):
            if name is None or tag.name == name:
                return tag
        return None


# --------------------------------------------------------------------------------------------- price

_CURRENCY_SYMBOLS: list[tuple[str, str]] = [
    # longest first so "US $" wins over "$"
    ("US $", "USD"),
    ("US$", "USD"),
    ("C $", "CAD"),
    ("C$", "CAD"),
    ("CA $", "CAD"),
    ("CA$", "CAD"),
    ("AU $", "AUD"),
    ("AU$", "AUD"),
    ("A $", "AUD"),
    ("A$", "AUD"),
    ("NZ $", "NZD"),
    ("NZ$", "NZD"),
    ("HK $", "HKD"),
    ("HK$", "HKD"),
    ("S $", "SGD"),
    ("S$", "SGD"),
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
_CUR = "|".join(
    [rf"(?<![A-Za-z]){re.escape(s)}" for s, _ in _CURRENCY_SYMBOLS] + [rf"\b{c}\b" for c in sorted(_ISO)]
)
# A number either with 3-digit group separators (1,234.56 / 1.234,56 / 1 234) or plain (164,00 / 5.99).
_NUM = r"\d{1,3}(?:[,.'\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d{1,2})?(?!\d)"
# A currency after a number belongs to it unless another number follows ("$15,000 US $12,000").
_PRICE = re.compile(rf"(?P<pre>{_CUR})?\s*(?P<num>{_NUM})\s*(?P<post>(?:{_CUR})(?!\s*\d))?")


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


# What eBay prints beside the price it means. The listing's own price comes first; a conversion
# ("(approx. EUR 11.000,00)", "ca.", "environ") follows it and is cut off; a struck-through former
# price is introduced by "Was:" (and its translations) and skipped; "Now:" marks the current one.
_CONVERSION = re.compile(
    r"\(?\s*(?:\bapprox(?:imately|\.)?|\bca\.|\bcirca\b|\benviron\b|\bungefähr\b|\betwa\b)", re.IGNORECASE
)
_FORMER = re.compile(
    r"\b(?:was|previous price|list price|rrp|uvp|statt|früher|ancien prix|prix de référence)\b\s*:?\s*$",
    re.IGNORECASE,
)
_CURRENT = re.compile(r"\b(?:now|jetzt|maintenant)\b\s*:?\s*$", re.IGNORECASE)
_MINUS = "-\u2212"
MAX_PRICE = 1e11  # nothing sells for more; "9" * 400 is no price (and would be inf)


def parse_price(text: str | None) -> Price | None:
    """Price from eBay's display text: "$12,500.00", "£5.99 to £14.99", "EUR 164,00 oder Preisvorschlag".

    The low end of a range is the price, the high end is kept in `high`. The current price wins over
    a "Was:" one, the listing's currency over an "approx." conversion. None when no amount is found,
    or when it is negative or absurd.
    """
    text = normalize_text(text)
    if not text:
        return None
    conversion = _CONVERSION.search(text)
    if conversion:
        text = text[: conversion.start()]
    kept: list[re.Match[str]] = []
    current: re.Match[str] | None = None
    previous_end = 0
    for match in _PRICE.finditer(text):
        before = text[previous_end : match.start()]
        previous_end = match.end()
        if _FORMER.search(before):
            continue
        start = match.start("pre") if match.group("pre") else match.start("num")
        if start > 0 and text[start - 1] in _MINUS and not kept and not text[start - 2 : start - 1].isdigit():
            return None  # "-$100": a negative amount is not a price
        if _CURRENT.search(before):
            current = match
        kept.append(match)
    if current is not None:
        kept = [current]
    priced = [m for m in kept if m.group("pre") or m.group("post")] or kept
    if not priced:
        return None
    first = priced[0]
    amount = _to_float(first.group("num"))
    if not (math.isfinite(amount) and amount <= MAX_PRICE):
        return None
    currency = _currency_code(first.group("pre") or first.group("post"))
    high = _to_float(priced[1].group("num")) if len(priced) > 1 else None
    if high is not None and not (math.isfinite(high) and amount <= high <= MAX_PRICE):
        high = None
    return Price(amount=amount, currency=currency, high=high)


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

# Bot walls are told apart by the page's *structure*, never by words a seller may write: a small page
# with no listing content whose own <title> (or first <h1>) *is* a wall's title, or which carries a
# challenge widget (an element id/class or script URL of a captcha). "Security Measure" in an item's
# title or "hCaptcha" in a description is content, not a wall. A plain "503 Service Unavailable" is an
# ordinary error (retried by the HTTP layer); Akamai's edge errors are told apart by "Zero size object"
# and their errors.edgesuite.net reference. Every check is a bounded `str.find`: linear in the page.
_WALL_TITLES = frozenset(
    {
        "pardon our interruption", "security measure", "robot check", "are you a human",
        "attention required! | cloudflare", "attention required", "request blocked", "just a moment",
        "checking your browser", "checking your browser before accessing",
    }
)  # fmt: skip
_CHALLENGE_MARKERS = (
    "/splashui/captcha", 'id="px-captcha', 'class="g-recaptcha', "hcaptcha.com/1/api.js", 'id="captcha',
    "/cdn-cgi/challenge-platform", 'id="_chlghost"', "cf-chl-",
)  # fmt: skip
_EDGE_ERROR_MARKERS = ("zero size object", "errors.edgesuite.net", "errors&#46;edgesuite&#46;net")
# Any of these means the page carries listings or a description: it is content, whatever it says.
_CONTENT_MARKERS = (
    "x-item-title", "s-item__", "s-card__", 'id="ds_div"', "x-item-description", 'itemprop="name"',
    "srp-results", "itemattr", "ux-labels-values",
)  # fmt: skip
SMALL_PAGE = 200_000  # bot walls and edge errors are small; real result pages are ~0.5-2 MB
_TAG_TEXT_CAP = 2_000  # a title or heading longer than this is not a wall's


def _element_text(lowered: str, tag: str, end: int) -> str | None:
    """Text of the first `<tag ...>…</tag>` in `lowered[:end]`, tags stripped; None if absent.

    Two `find`s, not a regex: `(.*?)</h1>` retried at each of 40,000 unclosed `<h1>` is quadratic.
    """
    start = lowered.find(f"<{tag}", 0, end)
    while start != -1 and lowered[start + len(tag) + 1 : start + len(tag) + 2] not in (
        ">",
        " ",
        "\n",
        "\t",
        "\r",
    ):
        start = lowered.find(f"<{tag}", start + 1, end)
    if start == -1:
        return None
    open_end = lowered.find(">", start, start + _TAG_TEXT_CAP)
    if open_end == -1:
        return None
    close = lowered.find(f"</{tag}", open_end, open_end + _TAG_TEXT_CAP)
    if close == -1:
        return None
    inner = lowered[open_end + 1 : close]
    out, depth = [], 0
    for ch in inner:  # strip nested tags without a regex
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif not depth:
            out.append(ch)
    return " ".join("".join(out).split())


def _is_wall_title(text: str | None) -> bool:
    if not text:
        return False
    text = text.replace("&#46;", ".").rstrip(" .…!?").removesuffix(" | ebay").rstrip(" .…!?")
    return text in _WALL_TITLES


def _looks_blocked(html: str) -> bool:
    """A small page without listing content that is shaped like a bot wall or an edge error."""
    if len(html) >= SMALL_PAGE:
        return False
    lowered = html.lower()
    if any(marker in lowered for marker in _CONTENT_MARKERS):
        return False
    body = lowered.find("<body")
    head_end = body if body != -1 else len(lowered)
    if _is_wall_title(_element_text(lowered, "title", head_end)):
        return True
    h1 = _element_text(lowered, "h1", len(lowered))
    if _is_wall_title(h1):
        return True
    if any(marker in lowered for marker in _CHALLENGE_MARKERS):
        return True
    return bool(h1 and "zero size object" in h1) or any(m in lowered for m in _EDGE_ERROR_MARKERS[1:])


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)  # fmt: skip


def _as_text(html: str | bytes) -> str:
    """Bytes to text: a byte-order mark, or the zero bytes of UTF-16 ASCII, decide; else UTF-8."""
    if not isinstance(html, bytes):
        return html
    for bom, encoding in _BOMS:
        if html.startswith(bom):
            return html[len(bom) :].decode(encoding.removesuffix("-sig"), errors="replace")
    head = html[:200]
    if len(head) >= 4 and head.count(b"\x00") * 3 > len(head):  # "<\0h\0t\0" without a BOM
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return html.decode(encoding, errors="replace")
    return html.decode("utf-8", errors="replace")


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
    for link in _tags(row):
        href = link.attrs.get("href") if link.name == "a" else None
        candidate = extract_item_id(href)
        if candidate:
            url, item_id = href, candidate
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


def _next_url(nodes: list[Tag], base_url: str | None) -> str | None:
    for node in nodes:
        if node.name not in ("a", "link"):
            node = next((t for t in _tags(node) if t.name == "a" and t.attrs.get("href")), node)
        href = node.attrs.get("href")
        if not href or node.attrs.get("aria-disabled") == "true":
            continue
        return urljoin(base_url, href) if base_url else href
    return None


def parse_search_results(html: str | bytes, base_url: str | None = None) -> SearchResults:
    """Hits (both layouts, page order, de-duplicated by item id), the next-page URL and the blocked flag."""
    text = _as_text(html)
    if _looks_blocked(text):
        return SearchResults(hits=[], next_url=None, blocked=True)
    _check_size(text)
    soup = _soup(text)
    rows: list[Tag] = []
    pagination: list[Tag] = []
    for tag in _tags(soup):
        classes = tag.attrs.get("class") or ()
        if tag.name == "li" and ("s-item" in classes or "s-card" in classes):
            # rows inside <template>/<noscript> are never shown: placeholders, not search hits
            if tag.find_parent(_HIDDEN_CONTAINERS) is None:
                rows.append(tag)
        elif "pagination__next" in classes or "next" in (tag.attrs.get("rel") or ()):
            pagination.append(tag)
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for row in rows:
        hit = _hit_from_row(row, base_url)
        if hit is not None and hit.item_id not in seen:
            seen.add(hit.item_id)
            hits.append(hit)
    return SearchResults(hits=hits, next_url=_next_url(pagination, base_url), blocked=False)


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
    for block in _all(values, "ux-expandable-textual-display-block-inline"):
        if "hide" in block.attrs.get("class", ()):
            value = _value_text(_first_attr(block, "data-testid", "text") or block)
            break
    if not value:
        value = _value_text(_first_attr(values, "data-testid", "text") or values)
    return label, value


def _specifics(page: _Page) -> OrderedDict[str, str]:
    """Item specifics as the page shows them, in page order; the first occurrence of a name wins.

    The "About this item" sections are `ux-layout-section-evo` blocks (the shipping/returns/payments rows
    use the same `ux-labels-values` class in plain `ux-layout-section` blocks, which are not specifics).
    """
    sections = page.all("ux-layout-section-evo")
    if not sections:
        found = (page.by_id.get("viTabs_0_is"), page.attr("data-testid", "x-about-this-item"))
        sections = [s for s in found if s is not None] or page.all("ux-layout-section--features")
    specifics: OrderedDict[str, str] = OrderedDict()
    for section in sections:
        for row in _all(section, "ux-labels-values"):
            label, value = _label_value(row)
            if label and value and label not in specifics:
                specifics[label] = value
    if not specifics:
        specifics = _old_item_attr_specifics(page)
    return specifics


def _old_item_attr_specifics(page: _Page) -> OrderedDict[str, str]:
    """Older item pages: `.itemAttr table` rows of alternating label/value cells."""
    specifics: OrderedDict[str, str] = OrderedDict()
    for block in page.all("itemAttr"):
        for tr in (t for t in _tags(block) if t.name == "tr"):
            cells = tr.find_all("td", recursive=False)
            for label_td, value_td in zip(cells[0::2], cells[1::2], strict=False):
                label = _value_text(label_td)
                value = _value_text(value_td)
                if label:
                    label = label.rstrip(":").strip()
                if label and value and label not in specifics:
                    specifics[label] = value
    return specifics


_ITEM_ID_ATTR = re.compile(r"^\d{9,15}$")


def _item_id_of_page(page: _Page, url: str | None) -> str | None:
    for node in (page.attr("rel", "canonical", name="link"), page.attr("property", "og:url", name="meta")):
        if node is not None:
            item_id = extract_item_id(node.get("href") or node.get("content"))
            if item_id:
                return item_id
    item_id = extract_item_id(url)
    if item_id:
        return item_id
    for attr in ("data-itemid", "data-item-id"):
        node = page.soup.find(attrs={attr: _ITEM_ID_ATTR})
        if isinstance(node, Tag):
            return str(node[attr])
    return None


def _title_of_page(page: _Page) -> str | None:
    title = _text(page.first("x-item-title__mainTitle"))
    if title:
        return title
    old = page.by_id.get("itemTitle")
    if old is not None:
        return _text(old, _NOISE_CLASSES | {"g-hdn"})
    meta = page.attr("property", "og:title", name="meta")
    return normalize_text(meta.get("content")) if meta is not None else None


def _price_of_page(page: _Page) -> Price | None:
    price = parse_price(_text(page.first("x-price-primary")))
    if price is not None:
        return price
    for element_id in ("prcIsum", "mm-saleDscPrc", "prcIsum_bidPrice"):
        price = parse_price(_text(page.by_id.get(element_id)))
        if price is not None:
            return price
    amount = page.attr("itemprop", "price")
    if amount is not None:
        price = parse_price(amount.get("content") or _text(amount))
        currency_node = page.attr("itemprop", "priceCurrency")
        currency = currency_node.get("content") if currency_node is not None else None
        if price is not None:
            return Price(price.amount, currency or price.currency, price.high)
    return None


def _condition_of_page(page: _Page) -> str | None:
    node = _first(page.first("x-item-condition-text", "x-item-condition-value"), "ux-textspans")
    if node is not None:
        return _text(node)
    # The specifics row of the condition carries a language-independent class.
    row = page.first("ux-labels-values--condition")
    if row is not None:
        _, value = _label_value(row)
        if value:
            return value.split(":")[0].strip() or None
    return _text(page.by_id.get("vi-itm-cond") or page.first("condText"))


_LABELLED = re.compile(r"^[^:]{1,40}:\s*(.+)$")


def _location_of_page(page: _Page) -> str | None:
    """ "Located in: Paris, France" / "Standort: Delmenhorst, Deutschland": the secondary text of the
    shipping block that has the `Label: value` form (the label's wording depends on the site language)."""
    row = page.attr("data-testid", "ux-labels-values--itemLocation")
    if row is not None:
        return _value_text(_first(row, "ux-labels-values__values"))
    for section in page.all("ux-layout-section--shipping", "ux-labels-values--shipping"):
        for span in _all(section, "ux-textspans--SECONDARY"):
            match = _LABELLED.match(_text(span) or "")
            if match:
                return match.group(1).strip()
    return _text(page.attr("itemprop", "availableAtOrFrom"))


def _description_url(page: _Page, url: str | None) -> str | None:
    frames = [f for f in page.by_name.get("iframe", ()) if f.get("src")]
    frame = next((f for f in frames if f.get("id") == "desc_ifr"), None)
    frame = frame or next((f for f in frames if "desc" in str(f["src"])), None)
    if frame is None:
        return None
    src = str(frame["src"])
    return urljoin(url, src) if url else src


def parse_item_page(html: str | bytes, url: str | None = None) -> ParsedListing:
    """Item page → ParsedListing (id, title, price, currency, location, condition, ordered specifics,
    description URL). `url`, when known, is a fallback for the item id and resolves relative links."""
    _check_size(html)
    if isinstance(html, bytes) and (html[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in html[:200]):
        html = _as_text(html)  # UTF-16: decoded here; other bytes keep bs4's <meta charset> detection
    page = _Page(_soup(html))
    price = _price_of_page(page)
    return ParsedListing(
        item_id=_item_id_of_page(page, url),
        title=_title_of_page(page),
        price=price.amount if price else None,
        currency=price.currency if price else None,
        location=_location_of_page(page),
        condition=_condition_of_page(page),
        specifics=_specifics(page),
        description_url=_description_url(page, url),
        url=url,
    )


# Work per page is bounded by its number of tags: real eBay pages have ~5,000-11,000; a seller's
# description of 40,000 `<h1>` costs seconds in a DOM. Beyond the cap, a description is read as plain
# text (tags stripped, linear), and an item or search page is refused (`PageTooComplex`).
MAX_TAGS = 60_000
MAX_DESCRIPTION_TAGS = 15_000
_HIDDEN_BLOCKS = re.compile(
    r"<(script|style|template|noscript)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_ANY_TAG = re.compile(r"<[^>]*>")


class PageTooComplex(ValueError):
    """A page with more tags than any real eBay page: parsing it would stall the crawl."""


def _check_size(html: str | bytes, cap: int = MAX_TAGS) -> None:
    tags = html.count(b"<" if isinstance(html, bytes) else "<")  # type: ignore[arg-type]
    if tags > cap:
        raise PageTooComplex(f"page has {tags:,} tags (more than the {cap:,} any real page has)")


def _plain_text(html: str) -> str | None:
    """Visible text by stripping tags: linear in the page, for documents too big for a DOM."""
    from html import unescape

    return normalize_text(unescape(_ANY_TAG.sub(" ", _HIDDEN_BLOCKS.sub(" ", html))))


def parse_description(html: str | bytes) -> str | None:
    """Seller's description text from the description frame, whitespace-normalised; None when empty."""
    text = _as_text(html)
    if text.count("<") > MAX_DESCRIPTION_TAGS:
        body = text.find("<body")
        return _plain_text(text[body:] if body != -1 else text)
    soup = _soup(text)
    root = soup.find(id="ds_div") or _first(soup, "x-item-description-child") or soup.body or soup
    assert isinstance(root, Tag)
    return _text(root, frozenset())
