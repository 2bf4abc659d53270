"""Collections over REST: the write key rule, CRUD, the standard errors, the feed changing, exports."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from paperkg.api.app import create_app
from paperkg.settings import load_settings

KEY = "collections-key"


@pytest.fixture(scope="module")
def client(web_home, home_copy, tmp_path_factory):
    home = home_copy(web_home.home, tmp_path_factory.mktemp("collhome"))
    with TestClient(create_app(load_settings(home, tagger=False, api_key=KEY))) as c:
        yield c


def test_collection_writes_are_off_without_a_key(small_home) -> None:
    with TestClient(create_app(small_home)) as off:  # no key configured: writes are off, reads work
        assert off.post("/collections", json={"name": "x"}, headers={"X-API-Key": KEY}).status_code == 403
        assert off.get("/collections").json() == {"results": []}


def test_collections_crud_errors_and_feed(client) -> None:
    ok = {"X-API-Key": KEY}
    assert client.post("/collections", json={"name": "x"}).status_code == 401
    assert client.post("/collections", json={"name": "x"}, headers={"X-API-Key": "wrong"}).status_code == 403

    made = client.post("/collections", json={"name": "llm agents"}, headers=ok)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    dup = client.post("/collections", json={"name": "llm agents"}, headers=ok)
    assert dup.status_code == 409 and dup.json()["error"] == "CollectionExists"
    blank = client.post("/collections", json={"name": "   "}, headers=ok)
    assert blank.status_code == 422 and set(blank.json()) == {"error", "detail"}

    hits = client.get("/search", params={"q": "large language model agents", "k": 5}).json()["results"]
    ids = [h["id"] for h in hits]
    detail = client.post(f"/collections/{cid}/papers", json={"ids": ids[:2]}, headers=ok).json()
    assert [p["id"] for p in detail["paper_list"]] == ids[:2] and detail["papers"] == 2
    missing = client.post(f"/collections/{cid}/papers", json={"ids": [ids[2], "0000.00000"]}, headers=ok)
    assert missing.status_code == 404 and missing.json()["error"] == "PaperNotFound"
    assert client.get(f"/collections/{cid}").json()["papers"] == 2  # nothing added
    assert client.get("/collections/999999").json()["error"] == "CollectionNotFound"
    assert client.get("/collections/0").status_code == 422

    feed = client.get(f"/collections/{cid}/feed", params={"k": 8})
    assert feed.status_code == 200, feed.text
    before = [r["id"] for r in feed.json()["results"]]
    assert len(before) == 8 and not set(before) & set(ids[:2])
    assert feed.json()["results"][0]["explanation"]["seed"] in ids[:2]

    client.post(f"/collections/{cid}/dismissed", json={"ids": [before[0]]}, headers=ok)
    after = [r["id"] for r in client.get(f"/collections/{cid}/feed", params={"k": 8}).json()["results"]]
    assert before[0] not in after and after != before
    client.post(f"/collections/{cid}/papers", json={"ids": [after[0]]}, headers=ok)
    again = client.get(f"/collections/{cid}/feed", params={"k": 8}).json()
    assert after[0] not in [r["id"] for r in again["results"]] and again["seeds"] == 3 and again["dismissed"] == 1
    bad_date = client.get(f"/collections/{cid}/feed", params={"since": "2024-13-40"})
    assert bad_date.status_code == 422

    bib = client.get(f"/collections/{cid}/export", params={"format": "bibtex"})
    assert bib.status_code == 200 and bib.headers["content-type"].startswith("application/x-bibtex")
    assert all(f"eprint = {{{i}}}" in bib.text for i in ids[:2] + [after[0]])
    csv = client.get(f"/collections/{cid}/export", params={"format": "csv"})
    assert csv.text.splitlines()[0].startswith("key,id,arxiv_id,doi,title,authors,year,url")

    renamed = client.patch(f"/collections/{cid}", json={"name": "agents"}, headers=ok)
    assert renamed.json()["name"] == "agents"
    removed = client.delete(f"/collections/{cid}/papers/{before[0]}", headers=ok).json()
    assert removed["dismissed"] == 0
    assert client.delete(f"/collections/{cid}", headers=ok).json()["name"] == "agents"
    assert client.get(f"/collections/{cid}").status_code == 404
    assert "/collections/{collection_id}/feed" in client.get("/openapi.json").json()["paths"]
