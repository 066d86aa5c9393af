"""eBay's price display to (amount, currency, high end of a range), for every eBay site.

Symbols and ISO codes of every site ("$", "US $", "C $", "£", "EUR", "CHF", "zł", "円", "￥"...),
thousands and decimal separators either way round ("1.234,56 €", "3,858 円"), ranges joined by
"to", "-", "bis" or the Japanese "～" (the low end is the price), conversions ("approx.") and struck
former prices ("Was:") skipped. Regexes here only ever see one price element's short text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Price:
    """A price as shown on a page; `high` is set for ranges such as "£5.99 to £14.99"."""

    amount: float
    currency: str | None
    high: float | None = None


def _normalize(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = _WS.sub(" ", text.replace("\u200b", "")).strip()
    return cleaned or None


MAX_PRICE_TEXT = 500  # a price element's text; longer text is cut (the price comes first)

_CURRENCY_SYMBOLS: list[tuple[str, str]] = [
    # longest first so "US $" wins over "$"
    ("US $", "USD"), ("US$", "USD"), ("C $", "CAD"), ("C$", "CAD"), ("CA $", "CAD"), ("CA$", "CAD"),
    ("AU $", "AUD"), ("AU$", "AUD"), ("A $", "AUD"), ("A$", "AUD"), ("NZ $", "NZD"), ("NZ$", "NZD"),
    ("HK $", "HKD"), ("HK$", "HKD"), ("S $", "SGD"), ("S$", "SGD"), ("SG$", "SGD"), ("NT$", "TWD"),
    ("MX$", "MXN"), ("MXN$", "MXN"), ("R$", "BRL"), ("JP¥", "JPY"), ("JP ¥", "JPY"), ("CN¥", "CNY"),
    ("$", "USD"), ("£", "GBP"), ("€", "EUR"), ("¥", "JPY"), ("￥", "JPY"), ("円", "JPY"), ("₹", "INR"),
    ("Rs.", "INR"), ("zł", "PLN"), ("Fr.", "CHF"), ("₩", "KRW"), ("Kč", "CZK"), ("Ft", "HUF"),
    ("฿", "THB"), ("₱", "PHP"), ("RM", "MYR"), ("Rp", "IDR"), ("₪", "ILS"), ("₺", "TRY"), ("lei", "RON"),
]  # fmt: skip
# Every currency an eBay site displays by its ISO code ("EUR 164,00", "CHF 25.00", "PLN 99,00").
_ISO = {
    "EUR", "GBP", "USD", "CAD", "AUD", "CHF", "PLN", "SEK", "NOK", "DKK", "JPY", "INR", "NZD", "HKD",
    "SGD", "MXN", "CZK", "HUF", "MYR", "PHP", "TWD", "KRW", "CNY", "THB", "IDR", "ILS", "TRY", "RON",
    "BRL", "ZAR", "AED", "VND",
}  # fmt: skip
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
    text = _normalize(text[:MAX_PRICE_TEXT] if text else text)
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
