from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from paperkg.api.app import create_app


@pytest.fixture(scope="module")
def client(small_home) -> TestClient:
    return TestClient(create_app(small_home))


def test_health_and_docs(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["papers"] == 150
    assert health["indexes"] == {"dense": True, "lexical": True}
    assert client.get("/docs").status_code == 200
    assert "/search" in client.get("/openapi.json").json()["paths"]


def test_search_returns_ranked_explained_results(client: TestClient) -> None:
    r = client.get("/search", params={"q": "prompt diphoton production Tevatron", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["results"][0]["id"] == "0704.0001"
    assert [x["rank"] for x in body["results"]] == [1, 2, 3]
    assert body["results"][0]["why"]["bm25"] > 0 and body["results"][0]["why"]["dense_cosine"] > 0
    assert body["next_offset"] == 3
    lexical = client.get("/search", params={"q": "diphoton", "mode": "lexical", "k": 2}).json()
    assert lexical["results"][0]["why"]["dense_cosine"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "x" * 1001}, "q"),
        ({"q": "x", "k": 0}, "k"),
        ({"q": "x", "k": 101}, "k"),
        ({"q": "x", "mode": "fuzzy"}, "mode"),
        ({"q": "x", "since": "last-year"}, "since"),
        ({"q": "x", "offset": -1}, "offset"),
        ({"q": "x", "category": "cs.CL'; DROP TABLE papers;--"}, "category"),
        ({}, "q"),
    ],
)
def test_bad_parameters_get_422_naming_the_field(client: TestClient, params: dict, field: str) -> None:
    r = client.get("/search", params=params)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_request"
    assert any(field in d["loc"] for d in body["detail"])


def test_papers_and_similar(client: TestClient) -> None:
    paper = client.get("/papers/0704.0001").json()
    assert paper["title"].startswith("Calculation of prompt diphoton")
    assert paper["url"] == "https://arxiv.org/abs/0704.0001"
    assert client.get("/papers/arXiv:0704.0001v2").json()["id"] == "0704.0001"
    missing = client.get("/papers/9999.99999")
    assert missing.status_code == 404 and missing.json()["error"] == "PaperNotFound"
    assert client.get("/papers/9999.99999/similar").status_code == 404
    assert client.get("/papers/..%2F..%2Fetc%2Fpasswd").status_code == 404
    sim = client.get("/papers/0704.0001/similar", params={"k": 4}).json()
    assert len(sim["results"]) == 4 and all(x["id"] != "0704.0001" for x in sim["results"])


def test_injection_attempts_are_plain_data(client: TestClient) -> None:
    for q in ["' OR 1=1 --", "MATCH (n) DETACH DELETE n", 'title:"x" AND (', "\x00\x1f", "%_%"]:
        assert client.get("/search", params={"q": q}).status_code in (200, 422)
    assert client.get("/health").json()["papers"] == 150


def test_body_size_limit(client: TestClient) -> None:
    r = client.post("/search", content=b"x" * (2 << 20), headers={"content-length": str(2 << 20)})
    assert r.status_code == 413
