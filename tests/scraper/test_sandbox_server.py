"""The sandbox site over real HTTP on 127.0.0.1: eBay markup, pagination, item pages, robots.txt, faults."""

from __future__ import annotations

import re
import threading
import urllib.robotparser
from collections import Counter

import pytest
import requests
from bs4 import BeautifulSoup
from carner.scraper.sandbox.faults import FAULT_KINDS, FaultPlan, FaultSpec
from carner.scraper.sandbox.server import SandboxServer

ITEM_HREF = re.compile(r"/itm/(?:[^/?]+/)?(\d+)(?:\?|$)")


def _soup(response: requests.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "lxml")


def _rows(soup: BeautifulSoup) -> list[tuple[str, str, str, str]]:
    """(layout, item id, title, price) of every real listing row; placeholders and template rows skipped."""
    out = []
    for li in soup.select("li.s-card, li.s-item"):
        for noise in li.select(".clipped, .LIGHT_HIGHLIGHT"):
            noise.decompose()
        if "s-card" in li["class"]:
            layout, title, link, price = (
                "s-card",
                li.select_one(".s-card__title"),
                li.select_one("a.su-link"),
                (li.select_one(".s-card__price")),
            )
        else:
            layout, title, link, price = (
                "s-item",
                li.select_one(".s-item__title"),
                li.select_one("a.s-item__link"),
                (li.select_one(".s-item__price")),
            )
        if title is None or link is None:
            continue  # the empty template row
        text = title.get_text(" ", strip=True)
        if text == "Shop on eBay":
            continue
        m = ITEM_HREF.search(link["href"])
        assert m, link["href"]
        out.append((layout, m[1], text, price.get_text(strip=True)))
    return out


def _crawl(base_url: str, query: str) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    url: str | None = f"{base_url}/sch/i.html?_nkw={query}&_pgn=1"
    rows, pages = [], []
    while url:
        r = requests.get(url, timeout=5)
        assert r.status_code == 200
        soup = _soup(r)
        rows += _rows(soup)
        pages.append(url)
        nxt = soup.select_one("a.pagination__next")
        url = nxt["href"] if nxt else None
        assert len(pages) < 50
    return rows, pages


def test_search_pages_cover_every_listing_in_both_layouts(sandbox):
    site = sandbox(n_listings=70, seed=0, page_size=20)
    rows, pages = _crawl(site.base_url, "cars")
    assert len(pages) == 4
    by_id = {x.item_id: x for x in site.listings}
    assert sorted(r[1] for r in rows) == sorted(by_id)
    for _layout, item_id, title, price in rows:
        assert title == by_id[item_id].title
        assert price == f"${by_id[item_id].price:,.2f}"
    layouts = Counter(r[0] for r in rows)
    assert layouts["s-card"] > 10 and layouts["s-item"] > 10


def test_page_layouts_placeholders_and_template_row(sandbox):
    site = sandbox(n_listings=30, seed=0, page_size=10)
    kinds = []
    for page in (1, 2, 3):
        soup = _soup(requests.get(f"{site.base_url}/sch/i.html?_nkw=car&_pgn={page}", timeout=5))
        lis = soup.select("ul.srp-results > li")
        placeholders = [li for li in lis if "Shop on eBay" in li.get_text()]
        assert placeholders and all("s-item" in li["class"] for li in placeholders)
        cards = {li["class"][0] for li in lis if li not in placeholders and li.select_one("a")}
        kinds.append(cards)
        if cards == {"s-item"}:
            assert lis[0].select_one(".s-item__title") is None  # the empty template row comes first
        titles = soup.select(".s-item__link, .s-card__title")
        assert any("Opens in a new window or tab" in t.get_text() for t in titles)
    assert kinds == [{"s-card"}, {"s-item"}, {"s-card", "s-item"}]
    assert soup.select_one("a.pagination__next") is None  # page 3 of 3


def test_query_filter_and_page_size_param(sandbox):
    site = sandbox(n_listings=120, seed=2)
    everything = site.search("*")
    assert len(everything) == 120 and site.search("") == everything and site.search("Cars") == everything
    toyota = site.search("toyota")
    assert toyota and all("toyota" in (x.title + x.attributes["Make"]).lower() for x in toyota)
    model = site.listings[5].attributes["Model"]
    make = site.listings[5].attributes["Make"]
    assert site.listings[5] in site.search(f"{make.upper()} {model.lower()}")
    rows, _ = _crawl(site.base_url, "toyota")
    assert {r[1] for r in rows} == {x.item_id for x in toyota}
    soup = _soup(requests.get(f"{site.base_url}/sch/i.html?_nkw=cars&_pgn=1&_ipg=7", timeout=5))
    assert len(_rows(soup)) == 7
    assert "_ipg=7" in soup.select_one("a.pagination__next")["href"]
    soup = _soup(requests.get(f"{site.base_url}/sch/i.html?_nkw=zzznomatch", timeout=5))
    assert _rows(soup) == [] and soup.select_one("a.pagination__next") is None


def test_item_page_specifics_and_description(sandbox):
    site = sandbox(n_listings=40, seed=5)
    for listing in site.listings[:8]:
        r = requests.get(f"{site.base_url}/itm/{listing.item_id}", timeout=5)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        soup = _soup(r)
        assert soup.select_one("h1.x-item-title__mainTitle").get_text(strip=True) == listing.title
        assert soup.select_one(".x-price-primary").get_text(strip=True) == f"US ${listing.price:,.2f}"
        assert f"Located in: {listing.location}" in soup.get_text()
        section = soup.select_one(".ux-layout-section-evo")
        pairs = [
            (
                dl.select_one(".ux-labels-values__labels .ux-textspans").get_text(strip=True),
                dl.select_one(".ux-labels-values__values .ux-textspans").get_text(strip=True),
            )
            for dl in section.select("dl.ux-labels-values")
        ]
        assert pairs == [("Condition", listing.condition), *listing.specifics.items()]
        src = soup.select_one("iframe#desc_ifr")["src"]
        assert src == f"{site.base_url}/itm/{listing.item_id}/desc"
        desc = _soup(requests.get(src, timeout=5))
        assert desc.select_one("#ds_div").get_text() == listing.description


def test_slug_urls_and_unknown_items(sandbox):
    site = sandbox(n_listings=60, seed=1)
    rows, _ = _crawl(site.base_url, "cars")
    soup = _soup(requests.get(f"{site.base_url}/sch/i.html?_nkw=cars", timeout=5))
    hrefs = [a["href"] for a in soup.select("a.s-item__link, a.su-link")]
    assert any(re.search(r"/itm/[A-Za-z0-9-]+/\d{12}\?", h) for h in hrefs)  # old slug URLs
    listing = site.listings[0]
    slug = requests.get(f"{site.base_url}/itm/Some-Old-Slug/{listing.item_id}", timeout=5)
    assert slug.status_code == 200 and listing.title in slug.text
    assert requests.get(f"{site.base_url}/itm/999999999999", timeout=5).status_code == 404
    assert requests.get(f"{site.base_url}/itm/123456", timeout=5).status_code == 404  # placeholder link
    assert requests.get(f"{site.base_url}/nowhere", timeout=5).status_code == 404


def test_robots_txt_allow_and_disallow(sandbox):
    open_site = sandbox(n_listings=5)
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(requests.get(f"{open_site.base_url}/robots.txt", timeout=5).text.splitlines())
    assert parser.can_fetch("carner", f"{open_site.base_url}/itm/123456789012")
    closed = sandbox(n_listings=5, faults="disallow:/itm/,500:1.0")
    r = requests.get(f"{closed.base_url}/robots.txt", timeout=5)
    assert r.status_code == 200 and "Disallow: /itm/" in r.text  # robots.txt itself never faults
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(r.text.splitlines())
    assert not parser.can_fetch("carner", f"{closed.base_url}/itm/123456789012")
    assert parser.can_fetch("carner", f"{closed.base_url}/sch/i.html?_nkw=cars")


def _get(url: str, timeout: float = 5):
    try:
        return requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return exc


def test_every_fault_kind_by_count(sandbox):
    site = sandbox(
        n_listings=10,
        faults="429:1,500:1,503:1,slow:1,reset:1,truncate:1,block:2",
        slow_s=0.6,
        retry_after_s=1,
    )
    url = f"{site.base_url}/sch/i.html?_nkw=cars"
    got = [_get(url, timeout=0.3) for _ in range(9)]
    r429, r500, r503, slow, reset, truncated, block1, block2, ok = got
    assert r429.status_code == 429 and r429.headers["Retry-After"] == "1"
    assert r500.status_code == 500 and r503.status_code == 503
    assert isinstance(slow, requests.Timeout)
    assert isinstance(reset, requests.ConnectionError)
    assert truncated.status_code == 200 and "</html>" not in truncated.text
    assert len(truncated.text) < len(ok.text) and ok.text.rstrip().endswith("</html>")
    for blocked in (block1, block2):
        assert blocked.status_code == 200 and "Pardon Our Interruption" in blocked.text
        assert "s-item" not in blocked.text
    assert ok.status_code == 200 and _rows(_soup(ok))
    log = [rec for rec in site.request_log if rec.path.startswith("/sch/")]
    faults = [rec.fault for rec in sorted(log, key=lambda rec: rec.time)]
    assert faults == ["429", "500", "503", "slow", "reset", "truncate", "block", "block", None]
    reset_rec = next(rec for rec in log if rec.fault == "reset")
    assert reset_rec.status is None and reset_rec.method == "GET"


def test_fault_rates_are_deterministic(sandbox):
    def run(seed: int) -> list[str | None]:
        site = sandbox(n_listings=5, seed=seed, faults="500:0.2,503:0.1,block:0.1")
        statuses = [requests.get(f"{site.base_url}/sch/i.html?_nkw=cars", timeout=5) for _ in range(60)]
        assert any(s.status_code == 500 for s in statuses) and any(s.status_code == 503 for s in statuses)
        return [rec.fault for rec in site.request_log]

    first, again, other = run(11), run(11), run(12)
    assert first == again and first != other
    share = sum(f is not None for f in first) / len(first)
    assert 0.2 < share < 0.65


def test_fault_plan_counts_then_rates():
    plan = FaultPlan(FaultSpec.parse("block:2,429:1,500:1.0"), seed=0)
    assert [plan.next_fault()[0] for _ in range(5)] == ["block", "block", "429", "500", "500"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("teapot:0.1", "unknown fault 'teapot'"),
        ("429:1.5", "rate must lie in 0..1"),
        ("500:abc", "not a number"),
        ("503", "expected NAME:VALUE"),
        ("disallow:itm", "must start with '/'"),
        ("500:0.7,503:0.6", "add up to"),
    ],
)
def test_bad_fault_specs(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        FaultSpec.parse(spec)
    assert "\n" not in str(info.value)


def test_spec_parses_every_kind_and_settings():
    spec = FaultSpec.parse(
        "429:0.1,500:0.05,503:0.05,slow:0.05,reset:0.05,truncate:0.05,block:2,disallow:/itm/,retry_after:4,slow_s:0.5"
    )
    assert {f.kind for f in spec.faults} == set(FAULT_KINDS)
    assert spec.disallow == ("/itm/",) and spec.retry_after_s == 4 and spec.slow_s == 0.5
    assert next(f for f in spec.faults if f.kind == "block").count == 2
    assert not FaultSpec.parse("") and not FaultSpec.parse(None)


def test_same_seed_same_site(sandbox):
    a, b = sandbox(n_listings=50, seed=9), sandbox(n_listings=50, seed=9)
    for path in ("/sch/i.html?_nkw=cars&_pgn=1", "/sch/i.html?_nkw=cars&_pgn=2&_ipg=10", "/robots.txt"):
        pa = requests.get(a.base_url + path, timeout=5).text.replace(a.base_url, "BASE")
        pb = requests.get(b.base_url + path, timeout=5).text.replace(b.base_url, "BASE")
        assert pa == pb
    item = a.listings[3].item_id
    pa = requests.get(f"{a.base_url}/itm/{item}", timeout=5).text.replace(a.base_url, "BASE")
    assert pa == requests.get(f"{b.base_url}/itm/{item}", timeout=5).text.replace(b.base_url, "BASE")
    c = sandbox(n_listings=50, seed=10)
    assert [x.title for x in c.listings] != [x.title for x in a.listings]


def test_concurrent_requests_are_all_logged(sandbox):
    site = sandbox(n_listings=20)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for listing in site.listings[:5]:
                assert requests.get(f"{site.base_url}/itm/{listing.item_id}", timeout=5).status_code == 200
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(site.request_log) == 30
    assert all(rec.status == 200 and rec.fault is None for rec in site.request_log)


def test_context_manager_binds_loopback_and_frees_port():
    with SandboxServer(n_listings=3) as site:
        assert site.base_url.startswith("http://127.0.0.1:")
        port = site.port
        assert requests.get(site.base_url + "/", timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    with pytest.raises(ValueError):
        SandboxServer(n_listings=-1)
