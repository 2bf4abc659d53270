"""Graph endpoints over HTTP: related, recommend, entities, neighborhood, and their error codes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from paperkg.graph.build import build_graph


@pytest.fixture
def client(kg_catalog, kg_settings):
    from paperkg.api.app import create_app

    build_graph(kg_catalog, kg_settings)
    with TestClient(create_app(kg_settings)) as c:
        yield c


def test_related_and_recommend(client):
    r = client.get("/papers/2101.00001/related", params={"k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == "2101.00001" and len(body["results"]) == 3
    top = body["results"][0]
    assert top["id"] == "2101.00006"
    assert top["explanation"]["shared_entities"][0]["type"] in {"Task", "Material", "Method"}
    assert top["explanation"]["note"]  # no vector index in this home: graph-only, and it says so

    r = client.post("/recommend", json={"positive": ["2101.00003"], "negative": [], "k": 2})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["id"] == "2101.00004"


def test_entities(client):
    r = client.get("/entities", params={"q": "CNN"})
    assert r.status_code == 200
    assert r.json()["results"][0]["id"] == "convolutional neural network"
    page = client.get("/entities/convolutional neural network").json()
    assert page["entity"]["paper_count"] == 4 and len(page["papers"]) == 4
    assert "USED-FOR" in page["related"]
    assert client.get("/entities/no such thing").status_code == 404


def test_neighborhood(client):
    r = client.get("/graph/neighborhood", params={"id": "2101.00001", "depth": 1})
    assert r.status_code == 200
    body = r.json()
    ids = {n["id"] for n in body["nodes"]}
    assert {"2101.00001", "convolutional neural network", "Alice Smith", "2101.00005"} <= ids
    assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    deeper = client.get("/graph/neighborhood", params={"id": "imagenet", "depth": 2}).json()
    assert len(deeper["nodes"]) > 3


def test_unknown_ids_are_404(client):
    assert client.get("/papers/9999.99999/related").status_code == 404
    assert client.post("/recommend", json={"positive": ["9999.99999"]}).status_code == 404
    assert client.get("/graph/neighborhood", params={"id": "nothing"}).status_code == 404
    assert client.post("/recommend", json={"positive": []}).status_code == 422
