"""Collections on the web page in headless Chromium: create a collection from search results (the page asks
for the API key once), open it, see its feed, dismiss a feed paper and see the feed change."""

from __future__ import annotations

from pathlib import Path

from test_browser import QUERY, browser, expect, page, screenshot, wait_ready, wait_route  # noqa: F401 (fixtures)


def feed_ids(pg) -> list[str]:
    return pg.locator("#feed-list article.result").evaluate_all("els => els.map(e => e.dataset.id)")


def test_collection_from_search_feed_and_dismiss(page, web_api_key: str, tmp_path: Path) -> None:  # noqa: F811
    name = "Agents reading list"
    page.goto("/")
    page.fill("#q", QUERY)
    page.click("#search-button")
    wait_ready(page, "/search")
    cards = page.locator("#results article.result")
    first_id, second_id = cards.nth(0).get_attribute("data-id"), cards.nth(1).get_attribute("data-id")

    # add the first result to a new collection: the server wants its key, the page asks once and retries
    cards.nth(0).locator("button.coll-add").click()
    cards.nth(0).locator("input.coll-name").fill(name)
    cards.nth(0).locator("button.coll-save").click()
    page.fill("#api-key", web_api_key)
    page.click("#api-key-save")
    expect(cards.nth(0).locator(".coll-status")).to_contain_text(f"added to {name}")
    # the second result joins the same collection by name (the key is remembered)
    cards.nth(1).locator("button.coll-add").click()
    cards.nth(1).locator("input.coll-name").fill(name)
    cards.nth(1).locator("button.coll-save").click()
    expect(cards.nth(1).locator(".coll-status")).to_contain_text(f"added to {name}")
    assert page.locator("#api-key").count() == 0

    cards.nth(1).locator("a.coll-link").click()
    wait_route(page)
    assert page.locator("#collection-name").inner_text() == name
    members = page.locator("#collection-papers article.result").evaluate_all("els => els.map(e => e.dataset.id)")
    assert members == [first_id, second_id]

    # its feed: new papers ranked by the collection, never its own papers, each explained
    page.click("#open-feed")
    wait_route(page)
    page.wait_for_selector("#feed-list article.result")
    before = feed_ids(page)
    assert len(before) >= 3 and not {first_id, second_id} & set(before)
    assert "why:" in page.locator("#feed-list .feed-why").first.inner_text()
    screenshot(page, tmp_path, "feed.png")

    # dismiss the top paper: the feed is ranked again without it
    page.locator("#feed-list article.result").first.locator("button.dismiss").click()
    expect(page.locator("#feed-list")).to_have_attribute("data-version", "2")
    after = feed_ids(page)
    assert before[0] not in after
    assert after != before
    assert "1 dismissed" in page.locator("#view p.muted").first.inner_text()

    # the collection page lists it as dismissed
    page.locator("#view h1 a").click()
    wait_route(page)
    assert page.locator("#collection-dismissed li").evaluate_all("els => els.map(e => e.dataset.id)") == [before[0]]
