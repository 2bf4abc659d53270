"""Trend, rising, association, duplicate and topic endpoints on the annotated 150-paper home."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(web_home):
    from paperkg.api.app import create_app

    with TestClient(create_app(web_home)) as c:
        yield c


def test_trends_rising_associations(client) -> None:
    r = client.get("/trends", params={"entity": ["LLM", "large language models"], "by": "year"})
    assert r.status_code == 200, r.text
    body = r.json()
    a, b = body["series"]
    assert a["entity"]["id"] == b["entity"]["id"]  # the acronym and the long form are one canonical entity
    assert a["counts"] == b["counts"] and a["total"] > 0
    assert len(body["periods"]) == len(body["papers"]) == len(a["counts"])
    assert all(0 <= s <= 1 for s in a["shares"])

    rising = client.get("/trends/rising", params={"by": "month", "min_papers": 1, "min_z": 0}).json()
    # the home holds 2007-03/04 and 2025-12: the window before Oct-Dec 2025 is empty, so every earlier month
    assert rising["recent_periods"] == ["2025-12"] and rising["before_periods"] == ["2007-03", "2007-04"]
    assert rising["recent_papers"] > 0 and rising["before_papers"] > 0
    assert all(x["recent"] >= 1 and x["z"] >= 0 for x in rising["results"])

    assoc = client.get("/trends/associations", params={"entity": "reinforcement learning", "min_support": 2}).json()
    assert assoc["results"] and all(x["together"] >= 2 and x["lift"] > 1 for x in assoc["results"])


def test_errors_and_openapi(client) -> None:
    r = client.get("/trends", params={"entity": "no such entity here"})
    assert r.status_code == 404 and r.json()["error"] == "EntityNotFound"
    assert client.get("/trends").status_code == 422
    assert client.get("/trends", params={"entity": "LLM", "by": "week"}).status_code == 422
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/trends", "/trends/rising", "/trends/associations", "/duplicates", "/papers/{paper_id}/topics"):
        assert p in paths, p


def test_topics_endpoint_without_predictions(client) -> None:
    r = client.get("/papers/0704.0001/topics")
    assert r.status_code == 200
    assert r.json()["categories"] == ["hep-ph"] and r.json()["predicted"] == []
    assert client.get("/papers/9999.99999/topics").status_code == 404


def test_duplicates_scan_once_per_state_and_one_at_a_time(client, monkeypatch) -> None:
    """/duplicates reads every paper: the answer is kept per (catalog digest, dense version), and while a scan
    runs another request gets 503 with Retry-After rather than a second scan."""
    import paperkg.dedupe as dedupe
    from paperkg.api import routes_insights
    from paperkg.catalog import Catalog

    scans: list[bool] = []
    real = dedupe.find_duplicates
    monkeypatch.setattr(dedupe, "find_duplicates", lambda *a, **kw: scans.append(kw["use_vectors"]) or real(*a, **kw))
    monkeypatch.setattr(routes_insights, "_duplicates", routes_insights._DuplicatesMemo())
    first, second = client.get("/duplicates"), client.get("/duplicates")
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert scans == [True]
    assert client.get("/duplicates", params={"vectors": "false"}).status_code == 200 and scans == [True, False]
    assert client.get("/duplicates", params={"vectors": "false"}).status_code == 200 and scans == [True, False]

    monkeypatch.setattr(Catalog, "catalog_digest", lambda self: "a changed catalog")
    assert client.get("/duplicates").status_code == 200 and scans == [True, False, True]

    monkeypatch.setattr(Catalog, "catalog_digest", lambda self: "changed again, while a scan runs")
    routes_insights._duplicates.lock.acquire()
    try:
        busy = client.get("/duplicates")
    finally:
        routes_insights._duplicates.lock.release()
    assert busy.status_code == 503 and busy.json()["error"] == "ServerBusy"
    assert busy.headers["Retry-After"] == "30" and len(scans) == 3
    assert client.get("/duplicates").status_code == 200 and len(scans) == 4
