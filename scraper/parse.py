"""Pure functions from eBay HTML to records; no I/O, no network.

eBay serves several markups at once: search results as old `li.s-item` rows and new `li.s-card`
cards (sometimes mixed in one page), item pages with `ux-labels-values` rows (with or without the
row wrapper), `dl/dt/dd` pairs, the older `.itemAttr` tables, and structured data (JSON-LD,
`og:` / `itemprop` meta). Everything is matched by page *structure*, never by English label text,
so French, German or Japanese pages parse the same way. Missing fields come back as None.

Speed and bounded cost: a linear scan (`scraper.htmlscan`) first cuts the page down to the
elements a record needs (the result list's rows; the title, price and specifics of an item page),
then BeautifulSoup reads only those pieces. Each record says which layout path matched and which
fields came out empty (`layout`, `empty_fields`), so a crawl notices when eBay changes its markup.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urljoin

from bs4 import Tag
from carner.scraper import markup
from carner.scraper.htmlscan import ELEMENT_CAP, Scanner, attr_value, class_tokens, element_close
from carner.scraper.markup import first, first_attr, normalize_text, soup
from carner.scraper.price import MAX_PRICE, Price, parse_price

__all__ = [
    "MAX_PRICE",
    "ITEM_FIELDS",
    "PageTooComplex",
    "ParsedListing",
    "Price",
    "SearchHit",
    "SearchResults",
    "UNKNOWN_LAYOUT",
    "extract_item_id",
    "is_blocked",
    "normalize_text",
    "parse_description",
    "parse_item_page",
    "parse_price",
    "parse_search_page",
    "parse_search_results",
]

UNKNOWN_LAYOUT = "unknown"
# The fields of an item page whose emptiness a crawl watches (a surge means eBay changed markup).
ITEM_FIELDS = ("title", "price", "currency", "condition", "location", "specifics", "description_url")


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
    """What the crawler needs from a search page: hits, where to go next, whether eBay blocked us.

    `layout` names the path that matched ("srp-results>s-card", "page>s-item", "unknown", ...);
    `empty_fields` the fields no hit (or most hits) had.
    """

    hits: list[SearchHit]
    next_url: str | None
    blocked: bool
    layout: str = UNKNOWN_LAYOUT
    empty_fields: tuple[str, ...] = ()


@dataclass
class ParsedListing:
    """What an item page (plus its description frame) says about one listing.

    `sources` says where each field came from ("json-ld", "meta", "markup:x-price-primary", ...),
    `layout` which specifics structure matched, `empty_fields` which of `ITEM_FIELDS` came out empty.
    """

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
    layout: str = UNKNOWN_LAYOUT
    sources: dict[str, str] = field(default_factory=dict)
    empty_fields: tuple[str, ...] = ()


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


# ------------------------------------------------------------------------------------------ decoding

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


def _as_text(html: str | bytes) -> str:
    """Bytes to text: a byte-order mark, the zero bytes of UTF-16 ASCII, or `<meta charset>` decide; else
    UTF-8 (bad bytes replaced, never an exception)."""
    if not isinstance(html, bytes):
        return html
    for bom, encoding in _BOMS:
        if html.startswith(bom):
            return html[len(bom) :].decode(encoding.removesuffix("-sig"), errors="replace")
    head = html[:200]
    if len(head) >= 4 and head.count(b"\x00") * 3 > len(head):  # "<\0h\0t\0" without a BOM
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return html.decode(encoding, errors="replace")
    match = _META_CHARSET.search(html[:4096])
    encoding = "utf-8"
    if match:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            encoding = "utf-8"
        if encoding in ("utf-16-le", "utf-16-be", "utf-16", "utf-32"):  # a lie in an 8-bit page
            encoding = "utf-8"
    return html.decode(encoding, errors="replace")


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


def is_blocked(html: str | bytes) -> bool:
    """True for bot walls and edge errors served in place of content (often with status 200).

    Recognises eBay's "Pardon Our Interruption" splash, Akamai "Service Unavailable - Zero size object"
    and the usual captcha/challenge pages. A blocked page must never be read as "0 results".
    """
    return _looks_blocked(_as_text(html))


# Work per page is bounded by its number of tags: real eBay pages have ~5,000-11,000; a seller's
# description of 40,000 `<h1>` costs seconds in a DOM. Beyond the cap, a description is read as plain
# text (a linear scan), and an item or search page is refused (`PageTooComplex`).
MAX_TAGS = 60_000
MAX_DESCRIPTION_TAGS = 5_000


class PageTooComplex(ValueError):
    """A page with more tags than any real eBay page: parsing it would stall the crawl."""


def _check_size(html: str | bytes, cap: int = MAX_TAGS) -> None:
    tags = html.count(b"<" if isinstance(html, bytes) else "<")  # type: ignore[arg-type]
    if tags > cap:
        raise PageTooComplex(f"page has {tags:,} tags (more than the {cap:,} any real page has)")


# -------------------------------------------------------------------------------------------- search

_OPENS_NEW_WINDOW = re.compile(r"\s*Opens in a new window or tab\s*$", re.IGNORECASE)
_ROW_KINDS = ("s-card", "s-item")
# Modules beside the query's results: sponsored side modules, carousels, "river answers" (promos,
# related searches). Rows inside them are not results of the query.
_SIDE_MODULES = (
    "srp-merch",
    "carousel",
    "srp-carousel",
    "srp-items-carousel",
    "srp-river-answer",
    "s-answer",
)
MAX_ROWS = 500


def _row_kind(tag: str) -> str | None:
    classes = class_tokens(tag)
    return next((kind for kind in _ROW_KINDS if kind in classes), None)


def _side_modules(scan: Scanner, start: int, end: int) -> list[tuple[int, int]]:
    return [span for prefix in _SIDE_MODULES for span in scan.by_class_prefix(prefix, start, end, limit=200)]


def _result_rows(scan: Scanner) -> tuple[str, list[tuple[int, int, str]]]:
    """Where the result rows are, and each row's (start, end, kind).

    The result list (`ul.srp-results`, inside `#srp-river-results`) holds the query's results as its
    direct `li` children; anything nested deeper (a carousel inside a river answer) is not a result.
    Without such a list (older or hand-made pages), rows anywhere outside side modules count.
    """
    for where, spans in (
        ("srp-results", scan.by_class("srp-results", limit=1, cap=ELEMENT_CAP)),
        ("river", scan.by_attr("id", "srp-river-results", limit=1, cap=ELEMENT_CAP)),
    ):
        if not spans:
            continue
        start, end = spans[0]
        lists = [(start, end)] if where == "srp-results" else []
        if not lists:  # the river: its first list holding rows
            lists = scan.named("ul", start, end, limit=20)
        rows: list[tuple[int, int, str]] = []
        for list_start, list_end in lists:
            # a river answer or carousel may also sit in the list as a `div`: rows inside are not results
            side = _side_modules(scan, list_start + 1, list_end)
            for lt, close in scan.children(list_start, list_end, "li", limit=MAX_ROWS):
                found = scan.tag_at(lt)
                kind = _row_kind(found[1]) if found else None
                if kind and not any(s <= lt < e for s, e in side):
                    rows.append((lt, close, kind))
            if rows:
                break
        return where, rows
    side = _side_modules(scan, 0, len(scan.text))
    rows = []
    for kind in _ROW_KINDS:
        for lt, close in scan.by_class(kind, limit=MAX_ROWS):
            found = scan.tag_at(lt)
            if found and found[0] == "li" and not any(s <= lt < e for s, e in side):
                rows.append((lt, close, kind))
    rows.sort()
    return "page", rows


def _titles(scan: Scanner, rows: list[tuple[int, int, str]]) -> list[str | None]:
    """Each row's title text. Titles holding badges or screen-reader text are read through one
    BeautifulSoup tree of all of them (one tree, not one per row); plain ones by stripping tags."""
    spans = [scan.by_class(kind + "__title", start + 1, end, limit=1) for start, end, kind in rows]
    titles: list[str | None] = [None] * len(rows)
    noisy: list[int] = []
    for i, found in enumerate(spans):
        if found:
            piece = scan.visible(found[0])
            if _needs_tree(piece):
                noisy.append(i)
            else:
                titles[i] = _strip_tags(piece)
    for i, piece in zip(noisy, _pieces(scan, [spans[i][0] for i in noisy]), strict=False):
        titles[i] = markup.text(next(markup.tags(piece), None))
    return titles


def _hit(
    scan: Scanner, start: int, end: int, kind: str, title: str | None, base_url: str | None
) -> SearchHit | None:
    """One `li.s-item` / `li.s-card` row → SearchHit; None for placeholders and empty template rows.

    The item id comes from the first item link, else the card's `data-listingid`.
    """
    found = scan.tag_at(start)
    if found is None:
        return None
    _name, tag, after = found
    if title:
        title = _OPENS_NEW_WINDOW.sub("", title) or None
    url = item_id = None
    for n, (_lt, name, link, _after) in enumerate(scan.tags_with("/itm/", _any, after, end)):
        href = unescape(attr_value(link, "href") or "") if name == "a" else ""
        candidate = extract_item_id(href)
        if candidate or n >= 20:
            url, item_id = (href, candidate) if candidate else (None, None)
            break
    if item_id is None and kind == "s-card":
        listing_id = attr_value(tag, "data-listingid")
        if listing_id and re.fullmatch(r"\d{9,15}", listing_id):
            item_id = listing_id
    if not title or not item_id:
        return None
    if url is None:
        url = f"/itm/{item_id}"
    if base_url:
        url = urljoin(base_url, url)
    prices = scan.by_class(kind + "__price", after, end, limit=1)
    price = parse_price(_span_text(scan, prices[0])) if prices else None
    return SearchHit(
        item_id=item_id,
        title=title,
        price=price.amount if price else None,
        currency=price.currency if price else None,
        url=url,
        price_max=price.high if price else None,
    )


def _next_url(scan: Scanner, base_url: str | None) -> str | None:
    pieces = [scan.visible(s) for s in scan.by_class("pagination__next", limit=3)]
    pieces += [
        tag + "</a>"
        for _lt, name, tag, _after in scan.tags_with(
            "next", lambda t: "next" in (attr_value(t, "rel") or "").split()
        )
        if name in ("a", "link")
    ][:3]
    if not pieces:
        return None
    tree = soup("".join(pieces))
    for node in markup.tags(tree):
        if node.name not in ("a", "link") and "pagination__next" not in (node.attrs.get("class") or ()):
            continue
        if node.name not in ("a", "link"):
            node = next((t for t in markup.tags(node) if t.name == "a" and t.attrs.get("href")), node)
        href = node.attrs.get("href")
        if not href or node.attrs.get("aria-disabled") == "true":
            continue
        return urljoin(base_url, str(href)) if base_url else str(href)
    return None


def parse_search_results(html: str | bytes, base_url: str | None = None) -> SearchResults:
    """Hits of the query's result list (page order, de-duplicated by item id), the next-page URL,
    the blocked flag, and which layout matched."""
    text = _as_text(html)
    if _looks_blocked(text):
        return SearchResults(hits=[], next_url=None, blocked=True, layout="blocked")
    _check_size(text)
    scan = Scanner(text)
    where, rows = _result_rows(scan)
    hits: list[SearchHit] = []
    kinds: set[str] = set()
    seen: set[str] = set()
    for (start, end, kind), title in zip(rows, _titles(scan, rows), strict=True):
        hit = _hit(scan, start, end, kind, title, base_url)
        if hit is not None and hit.item_id not in seen:
            seen.add(hit.item_id)
            hits.append(hit)
            kinds.add(kind)  # placeholder rows (an s-item among cards) do not make a page "mixed"
    if where == "page" and not rows:
        layout = UNKNOWN_LAYOUT
    else:
        layout = f"{where}>" + ("mixed" if len(kinds) > 1 else next(iter(kinds), "empty"))
    empty: list[str] = []
    if not hits:
        empty.append("hits")
    else:
        for name in ("price", "currency"):
            if sum(getattr(h, name) is None for h in hits) * 2 > len(hits):
                empty.append(name)
    return SearchResults(hits, _next_url(scan, base_url), False, layout, tuple(empty))


def parse_search_page(html: str | bytes, base_url: str | None = None) -> list[SearchHit]:
    """Listings of a search results page (`li.s-item` and `li.s-card`, also mixed)."""
    return parse_search_results(html, base_url).hits


# ---------------------------------------------------------------------------------------------- item

_ITEM_ID_ATTR = re.compile(r"^\d{9,15}$")
_CONDITIONS = {  # schema.org's item conditions, for pages whose markup shows none
    "newcondition": "New", "usedcondition": "Used", "refurbishedcondition": "Refurbished",
    "damagedcondition": "For parts or not working",
}  # fmt: skip
_SITE_SUFFIX = re.compile(r"\s*\|\s*eBay(?:\.[a-z.]{2,6})?\s*$", re.IGNORECASE)
_LABELLED = re.compile(r"^[^:]{1,40}:\s*(.+)$")
_MICRODATA = ("price", "priceCurrency", "availableAtOrFrom", "lowPrice", "highPrice")
MAX_JSON_LD = 1_000_000  # characters of one JSON-LD block; eBay's are ~2-5 KB


def _json_ld_objects(scan: Scanner) -> list[dict[str, Any]]:
    """Every JSON object of the page's JSON-LD blocks (lists and `@graph` flattened); bad blocks skipped."""
    out: list[dict[str, Any]] = []
    for body in scan.scripts("application/ld+json", cap=MAX_JSON_LD):
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(out) < 100:
            node = stack.pop(0)
            if isinstance(node, list):
                stack[:0] = node[:100]
            elif isinstance(node, dict):
                out.append(node)
                graph = node.get("@graph")
                if isinstance(graph, list):
                    stack[:0] = graph[:100]
    return out


def _has_type(node: dict[str, Any], name: str) -> bool:
    kind = node.get("@type")
    return kind == name or (isinstance(kind, list) and name in kind)


def _product(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((o for o in objects if _has_type(o, "Product")), None)


def _offer(product: dict[str, Any] | None, objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    offers = product.get("offers") if product else None
    if isinstance(offers, list):
        offers = next((o for o in offers if isinstance(o, dict)), None)
    if isinstance(offers, dict):
        return offers
    return next((o for o in objects if _has_type(o, "Offer") or _has_type(o, "AggregateOffer")), None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        amount = float(value)
    else:
        price = parse_price(str(value)[:100])
        amount = price.amount if price else float("nan")
    return amount if 0 <= amount <= MAX_PRICE else None


def _json_price(offer: dict[str, Any] | None) -> Price | None:
    if not offer:
        return None
    amount = _number(offer.get("price"))
    low = _number(offer.get("lowPrice"))
    high = _number(offer.get("highPrice"))
    amount = amount if amount is not None else low
    if amount is None:
        return None
    currency = offer.get("priceCurrency")
    currency = currency.strip().upper()[:3] if isinstance(currency, str) and currency.strip() else None
    return Price(amount, currency, high if high is not None and high > amount else None)


def _json_specifics(product: dict[str, Any] | None) -> OrderedDict[str, str]:
    specifics: OrderedDict[str, str] = OrderedDict()
    props = product.get("additionalProperty") if product else None
    for prop in props if isinstance(props, list) else []:
        if isinstance(prop, dict):
            name, value = normalize_text(str(prop.get("name") or "")), prop.get("value")
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            value = normalize_text(str(value)) if value is not None else None
            if name and value and name not in specifics:
                specifics[name] = value
    return specifics


def _meta(scan: Scanner) -> dict[str, str]:
    """First `content` per `<meta property|name|itemprop>` and the canonical `<link>`'s href."""
    found: dict[str, str] = {}
    head = scan.text.find("</head")  # meta and link tags live in the head
    head = len(scan.text) if head == -1 else head
    for tag in scan.open_tags("meta", 0, head, limit=500):
        key = attr_value(tag, "property") or attr_value(tag, "name") or attr_value(tag, "itemprop")
        content = attr_value(tag, "content")
        if key and content is not None and key not in found:
            found[key] = unescape(content)
    for tag in scan.open_tags("link", 0, head, limit=500):
        if "canonical" in (attr_value(tag, "rel") or "").lower().split() and "canonical" not in found:
            found["canonical"] = unescape(attr_value(tag, "href") or "")
    return found


def _microdata(scan: Scanner) -> dict[str, str]:
    """`itemprop` price, currency and location of the page (content attribute, or the element's text)."""
    found: dict[str, str] = {}
    for lt, name, tag, after in scan.tags_with("itemprop", lambda t: attr_value(t, "itemprop") in _MICRODATA):
        key = attr_value(tag, "itemprop") or ""
        if key in found:
            continue
        content = attr_value(tag, "content")
        if content is not None:
            found[key] = unescape(content)
        else:
            value = _span_text(scan, (lt, scan.element_end(lt, name, after, lt + 20_000)))
            if value:
                found[key] = value
    return found


# Markup that needs the tree to read (screen-reader copies, badges, controls, hidden full texts). A
# piece without any of it is read by a linear strip of its tags: the same text BeautifulSoup gives,
# without building a tree (most specifics rows, titles and prices are plain).
_NEEDS_TREE = (
    "clipped", "g-hdn", "light_highlight", "tagblock", "new-listing", "newlisting", "badge", "<button",
    "ux-action", "expandable", "<![cdata[",
)  # fmt: skip


def _needs_tree(piece: str) -> bool:
    lowered = piece.lower()  # a few C-speed substring searches: faster than one case-blind regex
    return any(marker in lowered for marker in _NEEDS_TREE)


_TAG = re.compile(r"<[^<>]*>")  # never crosses a '<': each byte is looked at a bounded number of times


def _strip_tags(piece: str) -> str | None:
    """Text of markup without scripts, styles or comments (a `Scanner.visible` piece): tags to spaces."""
    return normalize_text(unescape(_TAG.sub(" ", piece)))


def _span_text(
    scan: Scanner, span: tuple[int, int], *, value: bool = False, inner: str | None = None
) -> str | None:
    """Visible text of an element (of its first `inner`-class descendant when given)."""
    piece = scan.visible(span)
    if not _needs_tree(piece):
        if inner is not None:
            found = scan.by_class(inner, span[0] + 1, span[1], limit=1)
            if found:
                piece = scan.visible(found[0])
        return _strip_tags(piece)
    body = soup(piece).body
    node = next(markup.tags(body), None) if body is not None else None
    if node is None:
        return None
    if inner is not None:
        node = first(node, inner) or node
    return _value_of(node) if value else markup.text(node)


def _find(scan: Scanner, how: str, what: str) -> list[tuple[int, int]]:
    if how == "class":
        return scan.by_class(what, limit=1)
    return scan.by_attr("id" if how == "id" else "data-testid", what, limit=1)


def _text_of(scan: Scanner, *finders: tuple[str, str], inner: str | None = None) -> str | None:
    """Text of the first element found by (how, what) finders ("class", "id", "testid")."""
    for how, what in finders:
        spans = _find(scan, how, what)
        if spans:
            text = _span_text(scan, spans[0], inner=inner)
            if text:
                return text
    return None


def _pieces(scan: Scanner, spans: list[tuple[int, int]]) -> list[Tag]:
    """The elements at `spans` as trees, one wrapper `div` each, built in one BeautifulSoup pass.

    A piece that never closes (a page cut short) would swallow the wrappers after it: then each piece
    is built alone, so pieces and spans always correspond one to one.
    """
    if not spans:
        return []

    def build(pieces: list[str]) -> list[Tag]:
        body = soup("".join(f'<div class="carner-piece">{piece}</div>' for piece in pieces)).body
        return body.find_all("div", class_="carner-piece", recursive=False) if body is not None else []

    pieces = [scan.visible(s) for s in spans]
    trees = build(pieces)
    if len(trees) == len(spans):
        return trees
    return [(build([piece]) or [soup("<div></div>").div])[0] for piece in pieces]  # type: ignore[list-item]


def _value_of(values: Tag) -> str | None:
    """A specifics value; a long one is shown cut, with its full text in a hidden block: take that."""
    for block in markup.every(values, "ux-expandable-textual-display-block-inline"):
        if "hide" in block.attrs.get("class", ()):
            value = markup.text(first_attr(block, "data-testid", "text") or block, value=True)
            if value:
                return value
    return markup.text(first_attr(values, "data-testid", "text") or values, value=True)


def _label_of(label: Tag) -> str | None:
    text = markup.text(label, value=True)
    return (text.rstrip(":").strip() or None) if text else None


_LABELS, _VALUES = "ux-labels-values__labels", "ux-labels-values__values"


def _any(_tag: str) -> bool:
    return True


def _section_pairs(scan: Scanner, span: tuple[int, int]) -> tuple[str | None, list[tuple[str, str]]]:
    """Label/value pairs of a specifics section: each `__labels` element with the `__values` after it
    (before the next label), whatever wraps them: a `dl`, a `ux-labels-values` div, or nothing.

    A section without markup that needs the tree (the usual case) is read from its own text, each label
    and value by stripping its tags; the others element by element over the page, through the tree.
    """
    section = scan.visible(span, max_tags=100_000)
    if not _needs_tree(section):
        first_name, parts = _plain_parts(section)
        pairs = _pair_up(parts, lambda a, b: _strip_tags(section[a:b]))
    else:
        first_name, parts = _scanned_parts(scan, span)
        pairs = _pair_up(parts, lambda a, b: _span_text(scan, (a, b), value=True))
    if not any(is_label for is_label, _a, _b in parts):
        return None, []
    return _shape(scan, span, first_name), pairs


Parts = list[tuple[bool, int, int]]  # (is a label, start, end) of each outermost label or value, in order


def _pair_up(parts: Parts, read: Callable[[int, int], str | None]) -> list[tuple[str, str]]:
    """Each label with the value right after it (a label followed by another label has none)."""
    pairs: list[tuple[str, str]] = []
    for (is_label, a, b), following in zip(parts, [*parts[1:], (True, 0, 0)][: len(parts)], strict=True):
        if is_label and not following[0]:
            name, value = read(a, b), read(following[1], following[2])
            name = name.rstrip(":").strip() if name else None
            if name and value:
                pairs.append((name, value))
    return pairs


def _scanned_parts(scan: Scanner, span: tuple[int, int]) -> tuple[str | None, Parts]:
    """The section's labels and values as page spans (their tags included), one walk over the page."""
    start, end = span
    parts: Parts = []
    first_name = None
    pos = start
    while len(parts) < 1_000 and (hit := scan.next_tag("ux-labels-values__", _any, pos, end)) is not None:
        lt, name, tag, after = hit
        tokens = class_tokens(tag)
        is_label = _LABELS in tokens
        pos = after
        if is_label or _VALUES in tokens:
            first_name = first_name or name
            pos = scan.element_end(lt, name, after, end)  # resume after it: its insides are text
            parts.append((is_label, lt, pos))
    return first_name, parts


def _shape(scan: Scanner, span: tuple[int, int], first_name: str | None) -> str:
    if first_name == "dt":
        return "dl"
    if scan.by_class("ux-labels-values", span[0], span[1], limit=1):
        return "rows"
    return "bare-rows"  # label and value divs straight in a layout row, no `ux-labels-values` wrapper


_TAG_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9-]{0,40})")


def _plain_parts(section: str) -> tuple[str | None, Parts]:
    """The labels and values of a section's own text (a `Scanner.visible` piece: no scripts, no
    comments) as spans of their inner text. Each is found by one `str.find` and its extent by counting
    tags of its own name, as `Scanner.element_end` does; the walk resumes after it, so only the
    outermost are read."""
    parts: Parts = []
    first_name = None
    pos, n = 0, len(section)
    while len(parts) < 1_000:
        i = section.find("ux-labels-values__", pos)
        if i == -1:
            break
        lt = section.rfind("<", pos, i)
        gt = section.find(">", i)
        if lt == -1 or gt == -1 or section.find(">", lt, i) != -1:
            pos = i + 1  # the words stand in text, not in a tag
            continue
        tag = section[lt : gt + 1]
        named = _TAG_NAME.match(tag)
        tokens = class_tokens(tag)
        is_label = _LABELS in tokens
        if named is None or not (is_label or _VALUES in tokens):
            pos = gt + 1
            continue
        name = named.group(1).lower()
        first_name = first_name or name
        text_end, pos = element_close(section, name, gt + 1, n)
        parts.append((is_label, gt + 1, text_end))
    return first_name, parts


def _dl_pairs(section: Tag) -> list[tuple[str, str]]:
    """Plain `dt`/`dd` pairs (a section without eBay's label/value classes)."""
    pairs: list[tuple[str, str]] = []
    for dt in section.find_all("dt"):
        dd = dt.find_next_sibling(["dd", "dt"])
        if isinstance(dd, Tag) and dd.name == "dd":
            name, value = _label_of(dt), _value_of(dd)
            if name and value:
                pairs.append((name, value))
    return pairs


def _table_pairs(tables: list[Tag]) -> list[tuple[str, str]]:
    """Older item pages: `.itemAttr table` rows of alternating label/value cells."""
    pairs: list[tuple[str, str]] = []
    for block in tables:
        for tr in block.find_all("tr"):
            cells = tr.find_all("td", recursive=False)
            for label_td, value_td in zip(cells[0::2], cells[1::2], strict=False):
                name, value = _label_of(label_td), markup.text(value_td, value=True)
                if name and value:
                    pairs.append((name, value))
    return pairs


def _specifics(
    scan: Scanner, product: dict[str, Any] | None
) -> tuple[str, OrderedDict[str, str], list[tuple[int, int]]]:
    """Item specifics as the page shows them, in page order (first occurrence of a name wins), the
    path that found them, and the sections (the condition row lives there too).

    The "About this item" sections are `ux-layout-section-evo` blocks (shipping, returns and payments
    use the same row markup in plain `ux-layout-section` blocks, which are not specifics); older pages
    have one `#viTabs_0_is` / `x-about-this-item` block, or a `ux-layout-section--features` one.
    """
    sections: list[tuple[int, int]] = []
    where = ""
    for name, spans in (
        ("evo", lambda: scan.by_class("ux-layout-section-evo", limit=50)),
        (
            "about",
            lambda: (
                scan.by_attr("id", "viTabs_0_is", limit=1)
                or scan.by_attr("data-testid", "x-about-this-item", limit=1)
            ),
        ),
        ("features", lambda: scan.by_class("ux-layout-section--features", limit=5)),
    ):
        sections = spans()
        if sections:
            where = name
            break
    specifics: OrderedDict[str, str] = OrderedDict()
    shape = None
    for section in sections:
        section_shape, pairs = _section_pairs(scan, section)
        shape = shape or section_shape
        for label, value in pairs:
            specifics.setdefault(label, value)
    if not specifics and sections:
        for tree in _pieces(scan, sections):
            for label, value in _dl_pairs(tree):
                specifics.setdefault(label, value)
        shape = "dl-plain"
    if specifics:
        return f"{where}/{shape}", specifics, sections
    tables = _pieces(scan, scan.by_class("itemAttr", limit=5))
    for label, value in _table_pairs(tables):
        specifics.setdefault(label, value)
    if specifics:
        return "itemAttr/table", specifics, sections
    specifics = _json_specifics(product)
    return ("json-ld/additionalProperty" if specifics else "none"), specifics, sections


def _title(scan: Scanner, product: dict[str, Any] | None, meta: dict[str, str]) -> tuple[str | None, str]:
    name = product.get("name") if product else None
    if isinstance(name, str) and normalize_text(name):
        return normalize_text(name), "json-ld"
    for how, what, source in (
        ("class", "x-item-title__mainTitle", "markup:h1"),
        ("id", "itemTitle", "markup:#itemTitle"),
    ):
        title = _text_of(scan, (how, what))
        if title:
            return title, source
    # og:title last: eBay appends the site name and sometimes the product's GTIN to it.
    og = normalize_text(_SITE_SUFFIX.sub("", meta.get("og:title", "")))
    return (og, "meta:og:title") if og else (None, "")


def _price(scan: Scanner, offer: dict[str, Any] | None, micro: dict[str, str]) -> tuple[Price | None, str]:
    """JSON-LD's offer first; but where the visible price is in another currency, JSON-LD carries eBay's
    conversion to the site's currency and the listing's own price (the visible one) wins."""
    visible, visible_source = None, ""
    for how, what in (
        ("class", "x-price-primary"),
        ("id", "prcIsum"),
        ("id", "mm-saleDscPrc"),
        ("id", "prcIsum_bidPrice"),
    ):
        visible = parse_price(_text_of(scan, (how, what)))
        if visible is not None:
            visible_source = f"markup:{what}"
            break
    structured = _json_price(offer)
    if structured is not None and (visible is None or visible.currency in (None, structured.currency)):
        return structured, "json-ld"
    amount = _number(micro.get("price")) if "price" in micro else None
    if amount is not None:
        currency = micro.get("priceCurrency", "").strip().upper()[:3] or None
        if visible is None or visible.currency in (None, currency):
            return Price(amount, currency or (visible.currency if visible else None)), "microdata"
    return (visible, visible_source) if visible is not None else (None, "")


def _condition(
    scan: Scanner, offer: dict[str, Any] | None, sections: list[tuple[int, int]]
) -> tuple[str | None, str]:
    """The page's own wording first ("Neu", "New without box"): schema.org's is a four-value enum."""
    value = _text_of(
        scan, ("class", "x-item-condition-text"), ("class", "x-item-condition-value"),
        ("class", "d-item-condition-text"), ("class", "d-item-condition-value"), inner="ux-textspans",
    )  # fmt: skip
    if value:
        return value, "markup:item-condition"
    for start, end in sections:
        for row_start, row_end in scan.by_class("ux-labels-values--condition", start, end, limit=1):
            values = scan.by_class("ux-labels-values__values", row_start, row_end, limit=1)
            value = _span_text(scan, values[0], value=True) if values else None
            if value and value.split(":")[0].strip():
                return value.split(":")[0].strip(), "markup:specifics-row"
    value = _text_of(scan, ("id", "vi-itm-cond"), ("class", "condText"))
    if value:
        return value, "markup:vi-itm-cond"
    condition = offer.get("itemCondition") if offer else None
    if isinstance(condition, str):
        key = condition.rsplit("/", 1)[-1].lower()
        if key in _CONDITIONS:
            return _CONDITIONS[key], "json-ld"
    return None, ""


def _location(scan: Scanner, micro: dict[str, str]) -> str | None:
    """ "Located in: Paris, France" / "Standort: Delmenhorst, Deutschland": the item location row, else
    the shipping block's secondary text of `Label: value` form (the label's wording is the site's)."""
    for how, what in (
        ("testid", "ux-labels-values--itemLocation"),
        ("class", "ux-labels-values--itemLocation"),
    ):
        for row_start, row_end in _find(scan, how, what):
            values = scan.by_class("ux-labels-values__values", row_start, row_end, limit=1)
            value = _span_text(scan, values[0], value=True) if values else None
            if value:
                return value
    spans = scan.by_class("ux-layout-section--shipping", limit=5)
    spans += scan.by_class("ux-labels-values--shipping", limit=5)
    for start, end in sorted(spans):
        for secondary in scan.by_class("ux-textspans--SECONDARY", start, end, limit=50):
            match = _LABELLED.match(_span_text(scan, secondary) or "")
            if match:
                return match.group(1).strip()
    return normalize_text(micro.get("availableAtOrFrom"))


def _description_url(scan: Scanner, url: str | None) -> str | None:
    frames = [
        (attr_value(t, "id"), unescape(attr_value(t, "src") or ""))
        for t in scan.open_tags("iframe", limit=100)
    ]
    frames = [(i, s) for i, s in frames if s]
    src = next((s for i, s in frames if i == "desc_ifr"), None) or next(
        (s for _i, s in frames if "desc" in s), None
    )
    if src is None:
        return None
    return urljoin(url, src) if url else src


def _item_id(
    scan: Scanner, meta: dict[str, str], offer: dict[str, Any] | None, url: str | None
) -> str | None:
    for candidate in (meta.get("canonical"), meta.get("og:url"), url):
        item_id = extract_item_id(candidate)
        if item_id:
            return item_id
    for attr in ("data-itemid", "data-item-id"):
        for _lt, _name, tag, _after in scan.tags_with(
            attr, lambda t, a=attr: bool(_ITEM_ID_ATTR.match(attr_value(t, a) or ""))
        ):
            return attr_value(tag, attr)
    offer_url = offer.get("url") if offer else None
    return extract_item_id(offer_url) if isinstance(offer_url, str) else None


def parse_item_page(html: str | bytes, url: str | None = None) -> ParsedListing:
    """Item page → ParsedListing (id, title, price, currency, location, condition, ordered specifics,
    description URL), each field's source, the layout path and the fields that came out empty.
    `url`, when known, is a fallback for the item id and resolves relative links."""
    _check_size(html)
    scan = Scanner(_as_text(html))
    objects = _json_ld_objects(scan)
    product = _product(objects)
    offer = _offer(product, objects)
    meta = _meta(scan)
    micro = _microdata(scan)
    title, title_source = _title(scan, product, meta)
    price, price_source = _price(scan, offer, micro)
    path, specifics, sections = _specifics(scan, product)
    condition, condition_source = _condition(scan, offer, sections)
    listing = ParsedListing(
        item_id=_item_id(scan, meta, offer, url),
        title=title,
        price=price.amount if price else None,
        currency=price.currency if price else None,
        location=_location(scan, micro),
        condition=condition,
        specifics=specifics,
        description_url=_description_url(scan, url),
        url=url,
    )
    listing.sources = {
        name: source
        for name, source in (
            ("title", title_source),
            ("price", price_source),
            ("condition", condition_source),
            ("specifics", path),
        )
        if source and source != "none"
    }
    # A layout is known when eBay's markup or JSON-LD carried something; meta tags alone are not one.
    known = title_source in ("json-ld", "markup:h1", "markup:#itemTitle") or path != "none"
    known = known or price_source == "json-ld" or price_source.startswith("markup:")
    listing.layout = path if known else UNKNOWN_LAYOUT
    listing.empty_fields = tuple(name for name in ITEM_FIELDS if not getattr(listing, name))
    return listing


# ------------------------------------------------------------------------------------------ description

_SKIP_OPEN = re.compile(r"<(?:!--|(script|style|template|noscript)(?=[\s>/]))", re.IGNORECASE)


def _plain_text(html: str) -> str | None:
    """Visible text by stripping tags in one forward walk (each byte read once), for documents too big
    for a DOM: no pattern ever backtracks over tags."""
    out: list[str] = []
    pos, n = 0, len(html)
    while pos < n:
        lt = html.find("<", pos)
        if lt == -1:
            out.append(html[pos:])
            break
        out.append(html[pos:lt])
        out.append(" ")
        skip = _SKIP_OPEN.match(html, lt)
        if skip is not None:
            if skip.group(1) is None:
                end = html.find("-->", skip.end())
                pos = n if end == -1 else end + 3
            else:
                close = re.compile(rf"</{skip.group(1)}\s*>", re.IGNORECASE).search(html, skip.end())
                pos = n if close is None else close.end()
            continue
        gt = html.find(">", lt)
        if gt == -1:
            break
        pos = gt + 1
    return normalize_text(unescape("".join(out)))


def parse_description(html: str | bytes) -> str | None:
    """Seller's description text from the description frame, whitespace-normalised; None when empty."""
    text = _as_text(html)
    if text.count("<") > MAX_DESCRIPTION_TAGS:
        start = text.find("ds_div")
        start = text.rfind("<", 0, start) if start != -1 else text.find("<body")
        return _plain_text(text[start:] if start > 0 else text)
    scan = Scanner(text)
    spans = (
        scan.by_attr("id", "ds_div", limit=1)
        or scan.by_class("x-item-description-child", limit=1)
        or scan.named("body", limit=1)
    )
    piece = scan.visible(spans[0]) if spans else text
    if "<![CDATA[" not in piece.upper():  # plain markup: its text is the tags stripped, no tree needed
        return _strip_tags(piece)
    tree = soup(piece)
    root = tree.find(id="ds_div") or first(tree, "x-item-description-child") or tree.body or tree
    assert isinstance(root, Tag)
    return markup.plain_text(root)
