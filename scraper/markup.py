"""Visible text of eBay markup as BeautifulSoup sees it: screen-reader helpers, badges and controls out.

Noise is told apart by element and class, never by words, so it is removed in every locale: the
`.clipped` screen-reader text, the "New listing" badge (`LIGHT_HIGHLIGHT` on old rows,
`s-card__new-listing` on cards, or any `*new-listing*` / `*badge*` / `*tagblock*` class), buttons and
"read more" controls inside specifics values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

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

PARSER = "lxml"

_WS = re.compile(r"\s+")
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction, Script, Stylesheet)
_NOISE_CLASSES = frozenset(
    {"clipped", "g-hdn", "LIGHT_HIGHLIGHT", "s-item__title--tagblock", "s-item__title--tag"}
)
_NOISE_PARTS = ("new-listing", "newlisting", "__badge", "-badge", "tagblock")
_VALUE_NOISE_CLASSES = frozenset({"ux-action", "ux-expandable-textual-display-block-inline__control"})
_NOISE_TAGS = frozenset({"script", "style", "noscript", "template"})


def normalize_text(text: str | None) -> str | None:
    """Collapse runs of whitespace (incl. NBSP) to one space and strip; empty becomes None."""
    if text is None:
        return None
    cleaned = _WS.sub(" ", text.replace("\u200b", "")).strip()
    return cleaned or None


def soup(html: str) -> BeautifulSoup:
    """A BeautifulSoup tree (lxml builder) of a page, or of the pieces cut out of one."""
    return BeautifulSoup(html, PARSER)


def _is_noise(tag: Tag, value: bool) -> bool:
    if tag.name in _NOISE_TAGS or (
        value and (tag.name == "button" or tag.attrs.get("data-testid") == "ux-action")
    ):
        return True
    classes = tag.attrs.get("class")
    if not classes:
        return False
    for name in classes:
        if name in _NOISE_CLASSES or (value and name in _VALUE_NOISE_CLASSES):
            return True
        lowered = name.lower()
        if any(part in lowered for part in _NOISE_PARTS):
            return True
    return False


def strings(node: Tag, *, value: bool = False, noise: bool = True) -> list[str]:
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
            if not (noise and _is_noise(child, value)) and child.name not in _NOISE_TAGS:
                stack.append(iter(child.children))
        elif isinstance(child, NavigableString) and not isinstance(child, _SKIPPED_STRINGS):
            out.append(str(child))
    return out


def text(node: Tag | None, *, value: bool = False) -> str | None:
    """Visible text of a node without screen-reader helpers and badges, whitespace-normalised."""
    if node is None:
        return None
    return normalize_text(" ".join(strings(node, value=value)))


def plain_text(node: Tag | None) -> str | None:
    """All visible text of a node (a seller's description keeps every word it shows)."""
    if node is None:
        return None
    return normalize_text(" ".join(strings(node, noise=False)))


def tags(node: Tag) -> Iterator[Tag]:
    """Descendant tags in document order (a plain walk: bs4's `find` builds a filter per call)."""
    for element in node.descendants:
        if isinstance(element, Tag):
            yield element


def first(node: Tag | None, *class_names: str) -> Tag | None:
    """First descendant carrying any of the classes."""
    if node is None:
        return None
    for tag in tags(node):
        classes = tag.attrs.get("class")
        if classes and any(name in classes for name in class_names):
            return tag
    return None


def every(node: Tag, class_name: str) -> list[Tag]:
    return [tag for tag in tags(node) if class_name in (tag.attrs.get("class") or ())]


def first_attr(node: Tag | None, attr: str, value: str) -> Tag | None:
    if node is None:
        return None
    for tag in tags(node):
        if tag.attrs.get(attr) == value:
            return tag
    return None
