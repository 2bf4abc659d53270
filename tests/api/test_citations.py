"""Citation endpoints and full-text passage search, over the real fixture PDFs and papers they cite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from paperkg.api.app import create_app
from paperkg.catalog import open_catalog
from paperkg.pipeline import run_ingest
from paperkg.settings import load_settings

PDFS = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "pdfs"
DARK_MATTER = "0908.0054"  # REVTeX preprint citing old-style arXiv ids
LITERATURE_GRAPH = "pdf:06a68561c540158b"  # N18-3011 (no arXiv id: keyed by its SHA-256)
NEUROPATHY = "pdf:551d1128a6e09a8b"  # the Chinese Medical Journal paper, DOIs in its references


def _kaggle(paper_id: str, title: str, created: str, doi: str | None = None) -> dict:
    return {
        "id": paper_id,
        "title": title,
        "abstract": f"About {title.lower()}.",
        "authors": "A. Author",
        "categories": "astro-ph",
        "doi": doi,
        "versions": [{"version": "v1", "created": created}],
    }


# works the fixture PDFs cite, matched by arXiv id (old style, with a slash), by DOI and by title
CITED = [
    _kaggle("astro-ph/0003365", "Cold and fuzzy dark matter", "Fri, 17 Mar 2000 10:00:00 GMT"),
    _kaggle(
        "1001.0001",
        "Small fiber neuropathy: a common and important clinical disorder",
        "Mon, 4 Jan 2010 10:00:00 GMT",
        doi="10.1016/J.JNS.2004.08.012",
    ),
    _kaggle("1802.08301", "Content-Based Citation Recommendation", "Thu, 22 Feb 2018 10:00:00 GMT"),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    home = tmp_path_factory.mktemp("pdf-home")
    settings = load_settings(home, tagger=False)
    cited = home / "cited.jsonl"
    cited.write_text("".join(json.dumps(r) + "\n" for r in CITED), encoding="utf-8")
    pdfs = [PDFS / "0908.0054.pdf", PDFS / "N18-3011.pdf", PDFS / "cmj-0f318087.pdf"]
    with open_catalog(settings.catalog_path) as catalog:
        # the PDFs first: their references meet the cited papers only when those arrive (reverse matching)
        first = run_ingest(catalog, settings, pdfs, tagger=False, index=False, progress=False)
        assert first.ingest.new == 3
        second = run_ingest(catalog, settings, [cited], tagger=False, progress=False)
        assert second.ingest.new == 3
        assert second.index.passages.papers == 3
    return TestClient(create_app(settings))


def test_citations_list_references_with_their_matches(client: TestClient) -> None:
    r = client.get(f"/papers/{DARK_MATTER}/citations", params={"k": 5})
    assert r.status_code == 200
    body = r.json()
    assert (body["id"], body["total"], body["matched"]) == (DARK_MATTER, 19, 1)
    assert [c["position"] for c in body["results"]] == [0, 1, 2, 3, 4]
    first = body["results"][0]
    assert first["arxiv_id"] == "astro-ph/0003365" and first["match"] == "arxiv"
    assert first["paper"] == {"id": "astro-ph/0003365", "title": "Cold and fuzzy dark matter", "year": 2000}
    assert body["results"][1]["paper"] is None and body["results"][1]["external_key"] == "arxiv:gr-qc/9810028"
    assert body["next_offset"] == 5
    last = client.get(f"/papers/{DARK_MATTER}/citations", params={"k": 5, "offset": 15}).json()
    assert len(last["results"]) == 4 and last["next_offset"] is None

    doi = client.get(f"/papers/{NEUROPATHY}/citations", params={"k": 1}).json()["results"][0]
    assert (doi["match"], doi["paper"]["id"], doi["doi"]) == ("doi", "1001.0001", "10.1016/j.jns.2004.08.012")
    refs = client.get(f"/papers/{LITERATURE_GRAPH}/citations", params={"k": 100}).json()
    titled = [c for c in refs["results"] if c["paper"]]
    assert [(c["match"], c["paper"]["id"]) for c in titled] == [("title", "1802.08301")]
    assert refs["total"] == 27 and refs["matched"] == 1


def test_cited_by_with_old_style_ids(client: TestClient) -> None:
    r = client.get("/papers/astro-ph/0003365/cited-by")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == "astro-ph/0003365" and body["total"] == 1
    (citer,) = body["results"]
    assert citer["id"] == DARK_MATTER and citer["position"] == 0 and citer["match"] == "arxiv"
    assert "0003365" in citer["raw"]
    # the catch-all paper route still answers for slashed ids
    assert client.get("/papers/astro-ph/0003365").json()["title"] == "Cold and fuzzy dark matter"
    assert client.get("/papers/arXiv:1802.08301v1/cited-by").json()["results"][0]["id"] == LITERATURE_GRAPH
    assert client.get(f"/papers/{DARK_MATTER}/cited-by").json() == {
        "id": DARK_MATTER,
        "total": 0,
        "k": 20,
        "offset": 0,
        "results": [],
        "next_offset": None,
    }


@pytest.mark.parametrize("tail", ["citations", "cited-by"])
def test_unknown_ids_and_bad_pages(client: TestClient, tail: str) -> None:
    r = client.get(f"/papers/hep-th/9901001/{tail}")
    assert r.status_code == 404 and r.json()["error"] == "PaperNotFound"
    for params in ({"k": 0}, {"k": 101}, {"offset": -1}):
        bad = client.get(f"/papers/{DARK_MATTER}/{tail}", params=params)
        assert bad.status_code == 422 and bad.json()["error"] == "invalid_request"


def test_search_points_at_the_best_passage(client: TestClient) -> None:
    # words of the body (section 3 of N18-3011), not of its title or abstract
    q = "token features font size space width position on the page"
    abstract = client.get(f"/papers/{LITERATURE_GRAPH}").json()["abstract"]
    assert "font size" not in abstract.lower()
    body = client.get("/search", params={"q": q, "k": 10, "passages": "true"}).json()
    ids = [r["id"] for r in body["results"]]
    assert len(ids) == len(set(ids))  # papers are ranked, not passages
    hit = next(r for r in body["results"] if r["id"] == LITERATURE_GRAPH)
    assert hit["passage"]["section"] == "3 Extracting Metadata"
    assert "font size" in hit["passage"]["snippet"] and hit["passage"]["score"] > 0.3
    # its best passage is the best of all passages: the largest passage contribution to the fused score
    parts = {r["id"]: r["why"]["contributions"].get("passage", 0.0) for r in body["results"]}
    assert max(parts, key=parts.get) == LITERATURE_GRAPH
    # a metadata-only paper has no passage; without the flag no result carries one
    assert next(r for r in body["results"] if r["id"] == "1802.08301")["passage"] is None
    plain = client.get("/search", params={"q": q, "k": 10}).json()
    assert all(r["passage"] is None for r in plain["results"])
    assert all("passage" not in r["why"]["contributions"] for r in plain["results"])
