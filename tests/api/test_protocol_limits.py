"""Text-decoding problems are 422 in the JSON error shape; `paperkg serve` bounds request heads and their time."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from paperkg.api.app import create_app
from paperkg.api.live import ServerDidNotStart, free_port, wait_healthy
from paperkg.settings import load_settings


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


KEY = {"X-API-Key": "k", "content-type": "application/json"}
BAD_BODIES = {
    "lone surrogate": b'{"id": "2401.00001", "title": "x\\ud800y"}',
    "NUL": b'{"id": "2401.00001", "title": "a\\u0000b"}',
    "invalid UTF-8": b'{"id": "2401.00001", "title": "caf\xe9"}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "5,000-digit integer": b'{"id": ' + b"9" * 5000 + b', "title": "x"}',
    "title over the limit": b'{"id": "2401.00001", "title": "' + b"t" * 5000 + b'"}',
}


def test_write_limits_come_from_the_settings(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home", tagger=False, api_key="k", max_title_chars=100)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.post("/papers", json={"id": "2401.00001", "title": "t" * 101}, headers=KEY)
    assert response.status_code == 422 and "max_title_chars=100" in response.text


@pytest.mark.parametrize("kind", list(BAD_BODIES))
def test_undecodable_or_invalid_bodies_are_422_json(tmp_path: Path, kind: str) -> None:
    settings = load_settings(tmp_path / "home", tagger=False, api_key="k")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.post("/papers", content=BAD_BODIES[kind], headers=KEY)
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and body["detail"][0]["loc"] in (["body"], ["title"], ["id"])


BAD_QUERIES = {
    "invalid UTF-8": "/search?q=caf%E9&k=3",
    "truncated UTF-8 sequence": "/search?k=3&q=%C3",
    "NUL": "/search?q=a%00b",
    "invalid UTF-8 in a name": "/search?q=x&%FF=1",
}


@pytest.mark.parametrize("kind", list(BAD_QUERIES))
def test_undecodable_query_strings_are_422_json(tmp_path: Path, kind: str) -> None:
    settings = load_settings(tmp_path / "home", tagger=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get(BAD_QUERIES[kind])
        fine = client.get("/search?q=caf%C3%A9+%E2%80%93+b%C3%A4r&k=3")  # valid UTF-8 passes the check
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request" and body["detail"][0]["loc"][0] == "query"
    assert fine.status_code != 422, fine.text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`paperkg serve` itself (its uvicorn settings are what is tested) with a 1 s header deadline."""
    home = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {**_env(), "PAPERKG_HTTP_HEADER_TIMEOUT": "1", "PAPERKG_TAGGER": "false"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from paperkg.cli.main import run; run()",
            "serve",
            "--home",
            str(home),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except ServerDidNotStart as exc:
        pytest.fail(f"paperkg serve did not start: {exc}")
    yield url
    proc.terminate()
    proc.wait(10)


def _get(url: str, path: str) -> tuple[int, str, dict]:
    """A plain GET (http.client: httpx refuses URLs over 64 KiB before sending them)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("content-type") or "", json.loads(response.read())
    finally:
        conn.close()


def test_a_100_kb_query_is_answered_in_the_json_error_shape(served: str) -> None:
    status, _ctype, body = _get(served, "/search?q=" + "x" * 100_000)
    assert status == 422 and body["error"] == "invalid_request"


def test_an_oversized_request_head_is_a_json_400(served: str) -> None:
    status, ctype, body = _get(served, "/search?q=" + "x" * 300_000)
    assert status == 400 and ctype == "application/json"
    assert set(body) == {"error", "detail"} and "exceed" in body["detail"]


def test_a_client_that_never_finishes_its_headers_is_disconnected(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line that ends the head
        sock.settimeout(30)
        assert sock.recv(1024) == b""  # closed by the server (the 1 s deadline), not by this client
    # a well-behaved client on a kept-alive connection is still served
    with httpx.Client() as client:
        assert client.get(f"{served}/health").status_code == 200
        assert client.get(f"{served}/health").status_code == 200
