"""Trends on the web page in headless Chromium: open a trend chart (Chart.js, vendored) and check that it
drew the entities' data, change it from the form, and see the rising entities and associations panels."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import browser, expect, page, screenshot, wait_ready  # noqa: F401 (fixtures)


def chart_totals(pg) -> list[int]:
    # the numbers Chart.js holds for each line, read back from the live chart object
    return pg.evaluate("() => window.paperkgTrendChart.data.datasets.map(d => d.data.reduce((a, b) => a + b, 0))")


def test_open_a_trend_chart(page, live_server, tmp_path: Path) -> None:  # noqa: F811
    import httpx

    page.goto("/")
    page.click("#nav-trends")
    wait_ready(page, "/trends")
    assert page.locator("#rising").count() == 1

    page.goto("/#/trends?entity=large%20language%20models&entity=reinforcement%20learning&by=month&since=2025-01")
    wait_ready(page, "/trends?")
    canvas = page.locator("#trend-chart")
    expect(canvas).to_have_attribute("data-series", "2")
    assert int(canvas.get_attribute("data-points")) >= 2
    # what the chart draws is what the API counts
    api = httpx.get(
        f"{live_server.url}/trends",
        params={"entity": ["large language models", "reinforcement learning"], "by": "month", "since": "2025-01"},
    ).json()
    assert chart_totals(page) == [s["total"] for s in api["series"]]
    assert all(t > 0 for t in chart_totals(page))
    box = canvas.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    assert len(canvas.screenshot()) > 5_000  # drawn lines and axes, not an empty canvas
    assert page.locator("#associations li").count() >= 1
    screenshot(page, tmp_path, "trends.png")

    # the form redraws for another entity, per year, as a share of papers
    page.fill("#trend-entities", "reinforcement learning")
    page.select_option("#trend-by", "year")
    page.check("#trend-share")
    page.click("#trend-button")
    wait_ready(page, "/trends?entity=reinforcement")
    expect(page.locator("#trend-chart")).to_have_attribute("data-series", "1")
    assert "share=1" in page.url
    # the form kept since=2025-01: per year that is 2025 on
    yearly = httpx.get(
        f"{live_server.url}/trends", params={"entity": "reinforcement learning", "since": "2025-01"}
    ).json()
    assert yearly["periods"] == ["2025"]
    percent = sum(round(1000 * s) / 10 for s in yearly["series"][0]["shares"])
    assert chart_totals(page)[0] == pytest.approx(percent, abs=0.05) and percent > 0

    # an unknown entity is a message, not a crash
    page.goto("/#/trends?entity=no-such-entity-anywhere")
    wait_ready(page, "/trends?entity=no-such")
    assert "no-such-entity-anywhere" in page.locator("#trend .notice").inner_text()
