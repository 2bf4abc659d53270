"""Bad input gets a clear JSON 4xx: limits, pagination, error bodies, API key, CORS, injection."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from paperkg.api.app import MAX_BODY, create_app
from paperkg.settings import load_settings

KEY = "s3cret-key"


@pytest.fixture
def client(web_home) -> Iterator[TestClient]:
    # function scope: create_app pins process-wide settings, and other tests here build apps of their own
    with TestClient(create_app(web_home), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def write_home(small_home, home_copy, tmp_path_factory):
    return home_copy(small_home.home, tmp_path_factory.mktemp("writehome"))


def assert_json_error(r, status: int, kind: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error", "detail"} and body["detail"]
    if kind is not None:
        assert body["error"] == kind
    return body


def test_unknown_paper_id_is_the_same_error_everywhere(client: TestClient) -> None:
    expected = {"error": "PaperNotFound", "detail": "unknown paper id 'nope'"}
    # every GET route on one paper, including routes added later
    paths = sorted(
        path.replace("{paper_id}", "nope")
        for path, ops in client.app.openapi()["paths"].items()
        if path.startswith("/papers/{paper_id}") and "get" in ops
    )
    assert {"/papers/nope", "/papers/nope/similar", "/papers/nope/related", "/papers/nope/citations"} <= set(paths)
    for path in paths:
        r = client.get(path)
        assert (r.status_code, r.json()) == (404, expected), path
    r = client.post("/recommend", json={"positive": ["nope"]})
    assert (r.status_code, r.json()) == (404, expected)
    r = client.get("/entities/nope-entity")
    assert (r.status_code, r.json()) == (404, {"error": "EntityNotFound", "detail": "unknown entity 'nope-entity'"})


def test_error_bodies_are_json_for_every_status(client: TestClient, monkeypatch) -> None:
    assert_json_error(client.get("/no/such/route"), 404, "not_found")
    assert_json_error(client.get("/papers/9999.99999"), 404, "PaperNotFound")
    assert_json_error(client.get("/entities/no such entity"), 404, "EntityNotFound")
    assert_json_error(client.delete("/search"), 405, "method_not_allowed")
    assert_json_error(client.post("/health"), 405, "method_not_allowed")
    assert_json_error(client.get("/search", params={"q": "x", "k": 0}), 422, "invalid_request")
    bad_id = assert_json_error(client.post("/recommend", json={"positive": [" "]}), 422)
    assert bad_id["detail"][0]["loc"] == ["id"]  # record errors use the same field-error list as validation
    # body over the limit: declared up front, or streamed without a Content-Length (chunked)
    assert_json_error(client.post("/recommend", content=b"x" * (MAX_BODY + 1)), 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    assert_json_error(
        client.post("/recommend", content=chunks(), headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )
    # a bug inside a route: JSON 500 naming no traceback
    from paperkg.index.search import Searcher

    def boom(*_a, **_k):
        raise RuntimeError("driver says: secret internals")

    monkeypatch.setattr(Searcher, "search", boom)
    body = assert_json_error(client.get("/search", params={"q": "x"}), 500, "internal_error")
    assert "secret" not in str(body)


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("GET", "/search?q=x&k=101", None),
        ("GET", "/search?q=x&offset=10001", None),
        ("GET", f"/search?q={'x' * 1001}", None),
        ("GET", "/papers/0704.0001/similar?k=101", None),
        ("GET", "/papers/0704.0001/similar?offset=1001", None),
        ("GET", "/papers/0704.0001/related?k=101", None),
        ("GET", f"/papers/{'1' * 201}", None),
        ("GET", "/entities?q=x&k=101", None),
        ("GET", f"/entities?q={'x' * 201}", None),
        ("GET", "/graph/neighborhood?id=0704.0001&depth=4", None),
        ("POST", "/recommend", {"positive": ["0704.0001"], "k": 101}),
        ("POST", "/recommend", {"positive": [f"0704.{i:04d}" for i in range(51)]}),
        ("POST", "/recommend", {"positive": "0704.0001"}),
    ],
)
def test_limits_are_422(client: TestClient, method: str, url: str, payload: dict | None) -> None:
    assert_json_error(client.request(method, url, json=payload), 422, "invalid_request")


def test_pagination_pages_concatenate_to_one_long_page(client: TestClient) -> None:
    q = {"q": "quantum field theory", "mode": "lexical"}
    whole = [r["id"] for r in client.get("/search", params={**q, "k": 15}).json()["results"]]
    pages, offset = [], 0
    while offset is not None and offset < 15:
        body = client.get("/search", params={**q, "k": 5, "offset": offset}).json()
        pages += [r["id"] for r in body["results"]]
        assert [r["rank"] for r in body["results"]] == list(range(offset + 1, offset + 6))
        offset = body["next_offset"]
    assert pages == whole and len(whole) == 15
    last = client.get("/search", params={**q, "k": 100, "offset": 140}).json()
    assert len(last["results"]) < 100 and last["next_offset"] is None

    sim = client.get("/papers/0704.0001/similar", params={"k": 6}).json()
    first = client.get("/papers/0704.0001/similar", params={"k": 3}).json()
    second = client.get("/papers/0704.0001/similar", params={"k": 3, "offset": 3}).json()
    assert first["next_offset"] == 3 and second["offset"] == 3
    assert [r["id"] for r in first["results"] + second["results"]] == [r["id"] for r in sim["results"]]
    assert [r["rank"] for r in second["results"]] == [4, 5, 6]


HOSTILE = [
    "' OR 1=1 --",
    "0704.0001'; DROP TABLE papers;--",
    '") RETURN n UNION MATCH (n) DETACH DELETE n //',
    "MATCH (n) DETACH DELETE n",
    'title:"x" AND (abstract:* OR NEAR(a b))',
    "* OR *",
    "%",
    "_",
    "\\",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fcatalog.sqlite",
    "\x00\x01\x1f",
    "\u202e\ufeff𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "{{7*7}}${7*7}<script>alert(1)</script>",
]


def test_injection_attempts_are_plain_data(client: TestClient) -> None:
    before = client.get("/health").json()["papers"]
    for text in HOSTILE:
        seg = quote(text, safe="")
        for method, url, kwargs in [
            ("GET", "/search", {"params": {"q": text}}),
            ("GET", "/search", {"params": {"q": text, "mode": "lexical"}}),
            ("GET", "/search", {"params": {"q": "x", "category": text}}),
            ("GET", "/entities", {"params": {"q": text}}),
            ("GET", "/graph/neighborhood", {"params": {"id": text}}),
            ("GET", f"/papers/{seg}", {}),
            ("GET", f"/papers/{seg}/similar", {}),
            ("GET", f"/papers/{seg}/related", {}),
            ("GET", f"/entities/{seg}", {}),
            ("POST", "/recommend", {"json": {"positive": [text], "negative": [text]}}),
        ]:
            r = client.request(method, url, **kwargs)
            assert r.status_code in (200, 404, 422), (method, url, kwargs, r.status_code, r.text)
            if r.status_code != 200:
                assert_json_error(r, r.status_code)
            elif url == "/search":
                assert r.json()["query"] == text  # echoed as data
            elif url == "/entities":
                # LIKE wildcards are escaped: '%' and '_' match only themselves (no entity has them)
                assert text not in ("%", "_") or r.json()["results"] == []
    assert client.get("/health").json()["papers"] == before
    assert client.get("/papers/0704.0001").status_code == 200
    # path traversal never reaches the file system
    for url in [
        "/papers/../../catalog.sqlite",
        "/static/../../catalog.sqlite",
        "/static/%2e%2e/routes_web.py",
        "/entities/..%2F..%2Fcatalog.sqlite",
        "/papers/..%2F..%2F..%2Fetc%2Fpasswd",
    ]:
        r = client.get(url)
        assert r.status_code == 404 and "sqlite" not in r.headers["content-type"], url


def record(**overrides) -> dict:
    base = {
        "id": "2401.99999",
        "title": "Zorbulating quaternion lattices for kitten photometry",
        "abstract": "We zorbulate quaternion lattices and measure kitten photometry with them.",
        "authors": "Ada Lovelace and Alan Turing",
        "categories": "cs.IR",
        "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}],
    }
    return {**base, **overrides}


def test_write_endpoint_is_off_without_a_configured_key(small_home) -> None:
    with TestClient(create_app(small_home)) as c:
        body = assert_json_error(c.post("/papers", json=record(), headers={"X-API-Key": "guess"}), 403)
        assert "PAPERKG_API_KEY" in body["detail"]


def test_write_endpoint_with_key(write_home) -> None:
    settings = load_settings(write_home, tagger=False, api_key=KEY)
    with TestClient(create_app(settings)) as c:
        r = c.post("/papers", json=record())
        assert_json_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "X-API-Key"
        wrong = c.post("/papers", json=record(), headers={"X-API-Key": KEY + "x"})
        assert_json_error(wrong, 403, "forbidden")
        ok = {"X-API-Key": KEY}

        r = c.post("/papers", json=record(), headers=ok)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "new" and r.json()["index"]["embedded"] == 1
        assert c.get("/papers/2401.99999").json()["authors"] == ["Ada Lovelace", "Alan Turing"]
        hits = c.get("/search", params={"q": "zorbulating kitten photometry"}).json()["results"]
        assert hits[0]["id"] == "2401.99999"  # searchable at once: the searcher reloaded the new index
        dense = c.get("/search", params={"q": "zorbulating kitten photometry", "mode": "dense"}).json()
        assert dense["results"][0]["id"] == "2401.99999"

        assert c.post("/papers", json=record(), headers=ok).json() == {
            "id": "2401.99999",
            "status": "unchanged",
            "index": None,
        }
        changed = record(abstract="A new abstract about gravitational lensing.", update_date="2024-02-01")
        assert c.post("/papers", json=changed, headers=ok).json()["status"] == "updated"

        bad = assert_json_error(c.post("/papers", json=record(title=""), headers=ok), 422, "BadRecord")
        assert bad["detail"][0]["loc"] == ["title"]
        assert_json_error(c.post("/papers", json=[record()], headers=ok), 422, "invalid_request")
        assert_json_error(c.post("/papers", content=b"{not json", headers=ok), 422, "invalid_request")
        hostile = c.post("/papers", json=record(id="x'; DROP TABLE papers;--"), headers=ok)
        assert hostile.status_code in (200, 422)
        assert c.get("/health").json()["papers"] == 151 + (hostile.status_code == 200)


def test_cors_is_off_by_default_and_configurable(small_home, monkeypatch) -> None:
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(small_home)) as c:
        assert "access-control-allow-origin" not in c.get("/health", headers={"Origin": "https://x.org"}).headers
    monkeypatch.setenv("PAPERKG_CORS_ORIGINS", '["https://example.org"]')
    settings = load_settings(small_home.home, tagger=False)
    assert settings.cors_origins == ["https://example.org"]
    with TestClient(create_app(settings)) as c:
        r = c.options("/search", headers=preflight)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://example.org"
        assert "X-API-Key".lower() in r.headers["access-control-allow-headers"].lower()
        r = c.get("/health", headers={"Origin": "https://example.org"})
        assert r.headers["access-control-allow-origin"] == "https://example.org"
        evil = c.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in evil.headers
        # refusals carry CORS headers too, so a browser client can read the error
        big = c.post("/recommend", content=b"x" * (MAX_BODY + 1), headers={"Origin": "https://example.org"})
        assert big.status_code == 413 and big.headers["access-control-allow-origin"] == "https://example.org"


@pytest.mark.parametrize("threads", [1, 3])
def test_blocking_endpoints_share_a_bounded_thread_pool(web_home, threads) -> None:
    """api_threads sizes the pool that runs sync endpoints (anyio's default is 40 threads)."""
    import anyio.to_thread

    settings = load_settings(web_home.home, api_threads=threads)
    with TestClient(create_app(settings)) as c:
        tokens = c.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
        assert tokens == threads
        assert c.get("/search", params={"q": "transformer"}).status_code == 200


def test_startup_loads_the_indexes_before_the_first_request(web_home, monkeypatch, tmp_path) -> None:
    from paperkg import artifacts
    from paperkg.index.build import dense_root, lexical_root

    artifacts.forget()
    with TestClient(create_app(web_home)):
        assert {str(dense_root(web_home)), str(lexical_root(web_home))} <= set(artifacts.cached_roots())
    # a home without indexes still starts; search says what is missing
    with TestClient(create_app(load_settings(tmp_path / "empty")), raise_server_exceptions=False) as c:
        assert c.get("/health").status_code == 200
        assert c.get("/search", params={"q": "x"}).status_code == 409
