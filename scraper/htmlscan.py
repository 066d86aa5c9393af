"""Linear-time scans of raw HTML that cut a page down to the few elements a parser needs.

A 1.6 MB eBay page holds ~10,000 tags, of which a search parser needs the result rows' titles,
prices and links, and an item parser a title, a price and the specifics section. Building a
BeautifulSoup tree of the whole page costs 10x a bare lxml parse; building it of those pieces
alone costs less than the lxml parse. Every function here is a bounded `str.find` / `re.search`
walk over the text (no pattern that backtracks over tags), so the work is linear in the page
whatever it holds: hostile pages with thousands of unclosed tags cost the same per byte.

Pieces are found by structure: an element carrying a class token, an id, an attribute value; its
extent by counting open and close tags of its own name. Scripts, styles, `<template>`
and `<noscript>` are skipped (eBay ships copies of markup inside scripts and templates).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache

TAG_CAP = 8_192  # an opening tag longer than this is not markup any real page has
ELEMENT_CAP = 2_000_000  # an element is never sliced longer than this
PIECE_CHARS = 200_000  # a piece handed to the tree builder: real sections are ~2-20 KB
PIECE_TAGS = 2_500  # tags in one piece: a real specifics section has ~500-1,000
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)

_SKIPPED_OPEN = re.compile(r"<(script|style|template|noscript)(?=[\s>/])", re.IGNORECASE)
_CLASS_ATTR = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+))""", re.IGNORECASE)
_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9-]{0,40})")


@lru_cache(maxsize=64)
def _close_of(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE)


@lru_cache(maxsize=64)
def _open_or_close(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){re.escape(name)}(?=[\s>/])", re.IGNORECASE)


def element_close(text: str, name: str, after_open: int, stop: int) -> tuple[int, int]:
    """(start, end) of the close tag matching an element opened just before `after_open`, counting
    only tags of its own name; (stop, stop) when it never closes. Void and self-closed elements end
    where they open."""
    if name in VOID or text[after_open - 2 : after_open] == "/>":
        return after_open, after_open
    depth = 1
    for match in _open_or_close(name).finditer(text, after_open, stop):
        if match.group(1):
            depth -= 1
            if depth == 0:
                gt = text.find(">", match.end())
                return match.start(), (stop if gt == -1 else gt + 1)
        else:
            depth += 1
    return stop, stop


def attr_value(tag: str, name: str) -> str | None:
    """The raw value of attribute `name` in one opening tag (bounded by `TAG_CAP`), or None."""
    pattern = _attr_pattern(name.lower())
    match = pattern.search(tag)
    if match is None:
        return None
    return next(g for g in match.groups() if g is not None)


@lru_cache(maxsize=64)
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"""\s{re.escape(name)}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+))""", re.IGNORECASE)


def class_tokens(tag: str) -> list[str]:
    match = _CLASS_ATTR.search(tag)
    if match is None:
        return []
    return next(g for g in match.groups() if g is not None).split()


def _without_comments(piece: str) -> str:
    """The piece without `<!-- ... -->` comments (one forward walk; an unclosed one ends the piece)."""
    start = piece.find("<!--")
    if start == -1:
        return piece
    parts: list[str] = []
    pos = 0
    while start != -1:
        parts.append(piece[pos:start])
        end = piece.find("-->", start + 4)
        if end == -1:
            return "".join(parts)
        pos = end + 3
        start = piece.find("<!--", pos)
    parts.append(piece[pos:])
    return "".join(parts)


class Scanner:
    """One page's text plus the ranges a scan must not look into (scripts, styles, templates, noscripts).

    Comments are not ranges: eBay wraps nearly every text in one (`<!--F#f_0-->`), thousands a page,
    and none holds markup; pieces drop them when cut out (`visible`).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] = []
        self._ends: list[int] = []
        n = len(text)
        end = 0
        for match in _SKIPPED_OPEN.finditer(text):
            if match.start() < end:
                continue  # inside the previous range (a "<style" in a script)
            close = _close_of(match.group(1).lower()).search(text, match.end())
            end = n if close is None else close.end()
            self._starts.append(match.start())
            self._ends.append(end)
            if end >= n:
                break

    def skipped(self, pos: int) -> bool:
        """Whether `pos` lies inside a script, style, template or noscript."""
        i = bisect_right(self._starts, pos) - 1
        return i >= 0 and pos < self._ends[i]

    def _skip_end(self, pos: int) -> int:
        i = bisect_right(self._starts, pos) - 1
        return self._ends[i]

    def tag_at(self, lt: int) -> tuple[str, str, int] | None:
        """(name, opening tag text, index after it) for the tag opening at `lt`."""
        match = _NAME.match(self.text, lt)
        if match is None:
            return None
        gt = self.text.find(">", lt, lt + TAG_CAP)
        if gt == -1:
            return None
        return match.group(1).lower(), self.text[lt : gt + 1], gt + 1

    def element_end(self, lt: int, name: str, after_open: int, limit: int | None = None) -> int:
        """Index after the element opened at `lt`: its matching close tag, by counting its own name."""
        if name in VOID or self.text[after_open - 2 : after_open] == "/>":
            return after_open
        stop = min(len(self.text), limit if limit is not None else len(self.text), lt + ELEMENT_CAP)
        depth = 1
        # Only look up skipped ranges when one lies inside the element (most elements have none).
        first = bisect_right(self._starts, after_open)
        check = (first > 0 and self._ends[first - 1] > after_open) or (
            first < len(self._starts) and self._starts[first] < stop
        )
        for match in _open_or_close(name).finditer(self.text, after_open, stop):
            if check and self.skipped(match.start()):
                continue
            if match.group(1):
                depth -= 1
                if depth == 0:
                    gt = self.text.find(">", match.end(), match.end() + TAG_CAP)
                    return stop if gt == -1 else gt + 1
            else:
                depth += 1
        return stop

    def next_tag(
        self, needle: str, accept: Callable[[str], bool], pos: int, end: int
    ) -> tuple[int, str, str, int] | None:
        """The first opening tag in [pos, end) holding `needle` whose text passes `accept`:
        (tag start, name, tag text, index after the tag). `pos` must not lie inside a tag."""
        text = self.text
        floor = pos
        while pos < end:
            i = text.find(needle, pos, end)
            if i == -1:
                return None
            if self.skipped(i):
                pos = floor = self._skip_end(i)
                continue
            # A tag holding this hit starts after the last rejected hit (tags hold no '>'), so the
            # backward look never re-reads text: the whole walk stays linear.
            lt = text.rfind("<", max(floor, i - TAG_CAP), i + 1)
            if lt == -1 or text.find(">", lt, i) != -1:
                pos = floor = i + 1
                continue
            found = self.tag_at(lt)
            if found is None:
                pos = floor = i + 1
                continue
            pos = floor = found[2]
            if accept(found[1]):
                return lt, found[0], found[1], found[2]
        return None

    def tags_with(
        self, needle: str, accept: Callable[[str], bool], start: int = 0, end: int | None = None
    ) -> Iterator[tuple[int, str, str, int]]:
        """Opening tags in [start, end) holding `needle` whose tag text passes `accept`; each tag is
        looked at once."""
        end = len(self.text) if end is None else end
        pos = start
        while (hit := self.next_tag(needle, accept, pos, end)) is not None:
            yield hit
            pos = hit[3]

    def elements(
        self,
        needle: str,
        accept: Callable[[str], bool],
        start: int = 0,
        end: int | None = None,
        limit: int = 1_000,
        outermost: bool = True,
        cap: int = PIECE_CHARS,
    ) -> list[tuple[int, int]]:
        """(start, end) of elements whose opening tag holds `needle` and passes `accept`.

        With `outermost`, the walk resumes after each element found, so nothing inside it is looked
        at again (each byte is scanned a bounded number of times); at most `limit` elements, each at
        most `cap` characters.
        """
        found: list[tuple[int, int]] = []
        stop_all = len(self.text) if end is None else end
        pos = start
        while len(found) < limit:
            hit = self.next_tag(needle, accept, pos, stop_all)
            if hit is None:
                break
            lt, name, _tag, after = hit
            close = self.element_end(lt, name, after, min(stop_all, lt + cap))
            found.append((lt, close))
            pos = close if outermost else after
        return found

    def by_class(
        self, token: str, start: int = 0, end: int | None = None, limit: int = 1_000, cap: int = PIECE_CHARS
    ) -> list[tuple[int, int]]:
        return self.elements(token, lambda tag: token in class_tokens(tag), start, end, limit, cap=cap)

    def by_class_prefix(
        self, prefix: str, start: int = 0, end: int | None = None, limit: int = 1_000
    ) -> list[tuple[int, int]]:
        return self.elements(
            prefix, lambda tag: any(t.startswith(prefix) for t in class_tokens(tag)), start, end, limit
        )

    def by_attr(
        self,
        attr: str,
        value: str,
        start: int = 0,
        end: int | None = None,
        limit: int = 1_000,
        cap: int = PIECE_CHARS,
    ) -> list[tuple[int, int]]:
        return self.elements(value, lambda tag: attr_value(tag, attr) == value, start, end, limit, cap=cap)

    def open_tags(self, name: str, start: int = 0, end: int | None = None, limit: int = 2_000) -> list[str]:
        """Opening tag texts of elements named `name` (e.g. every `<meta>`), outside skipped ranges."""
        needle = f"<{name}"
        out: list[str] = []
        for _lt, tag_name, tag, _after in self.tags_with(needle, lambda _t: True, start, end):
            if tag_name == name:
                out.append(tag)
                if len(out) >= limit:
                    break
        return out

    def children(self, start: int, end: int, name: str, limit: int = 2_000) -> list[tuple[int, int]]:
        """Direct child elements named `name` of the element spanning [start, end)."""
        found = self.tags_with(f"<{name}", lambda _t: True, start + 1, end)
        out: list[tuple[int, int]] = []
        pos = start + 1
        for lt, tag_name, _tag, after in found:
            if tag_name != name or lt < pos:
                continue
            close = self.element_end(lt, name, after, end)
            out.append((lt, close))
            pos = close
            if len(out) >= limit:
                break
        return out

    def slice(self, span: tuple[int, int]) -> str:
        return self.text[span[0] : span[1]]

    def scripts(self, type_value: str, limit: int = 20, cap: int = 1_000_000) -> list[str]:
        """Bodies of `<script type=...>` elements of one type (e.g. JSON-LD), each at most `cap` chars."""
        out: list[str] = []
        close = _close_of("script")
        for lt, end in zip(self._starts, self._ends, strict=True):
            if self.text[lt + 1 : lt + 7].lower() != "script":
                continue  # a style, template or noscript
            found = self.tag_at(lt)
            if found is None or found[0] != "script":
                continue
            _name, tag, after = found
            if (attr_value(tag, "type") or "").strip().lower() != type_value:
                continue
            match = close.search(self.text, after, end)
            body_end = match.start() if match else end
            if body_end - after <= cap:
                out.append(self.text[after:body_end])
            if len(out) >= limit:
                break
        return out

    def named(
        self, name: str, start: int = 0, end: int | None = None, limit: int = 1_000
    ) -> list[tuple[int, int]]:
        """Outermost elements named `name` in [start, end)."""

        def named(tag: str) -> bool:
            match = _NAME.match(tag)
            return match is not None and match.group(1).lower() == name

        return self.elements(f"<{name}", named, start, end, limit, cap=ELEMENT_CAP)

    def visible(self, span: tuple[int, int], max_tags: int = PIECE_TAGS) -> str:
        """The slice without its comments, scripts, styles, templates and noscripts: text a reader sees,
        and far fewer nodes for a tree builder (eBay pages carry a comment around every text).

        At most `max_tags` tags: a real price, title or specifics section has tens to hundreds; an
        element that never closes would otherwise hand the tree builder the rest of the page.
        """
        start, end = span
        end = min(end, start + PIECE_CHARS)
        starts, ends, text = self._starts, self._ends, self.text
        before = bisect_right(starts, start) - 1
        pos = start
        if before >= 0 and ends[before] > start:  # the span begins inside a skipped range
            pos = min(ends[before], end)
        parts: list[str] = []
        for k in range(before + 1, bisect_left(starts, end)):  # the ranges starting inside the span
            parts.append(text[pos : starts[k]])
            pos = ends[k]
        if pos < end:
            parts.append(text[pos:end])
        piece = _without_comments("".join(parts))
        if piece.count("<") > max_tags:
            cut = -1
            for _ in range(max_tags + 1):
                cut = piece.find("<", cut + 1)
            piece = piece[:cut]
        return piece
