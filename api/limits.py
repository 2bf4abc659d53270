"""Request limits that must hold before any route runs: a decodable query string, body size (declared or streamed)."""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# the error kind of each HTTP status the API answers with outside the PaperkgError hierarchy
ERROR_KINDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_kind(status: int) -> str:
    return ERROR_KINDS.get(status, "http_error")


def query_decode_problem(query_string: bytes) -> dict[str, object] | None:
    """The first query parameter whose percent-decoded text is not valid UTF-8 or holds a NUL, as a field error.

    Starlette decodes query strings with replacement characters, so without this check a broken parameter would
    be searched for as mojibake instead of being refused like every other text problem in a request (422).
    """
    for part in query_string.split(b"&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8", "replace")
        for raw in (raw_name, raw_value):
            decoded = unquote_to_bytes(raw.replace(b"+", b" "))
            try:
                text = decoded.decode("utf-8")
            except UnicodeDecodeError as exc:
                msg = f"not valid UTF-8 after percent-decoding (byte {exc.start})"
                return {"loc": ["query", name], "msg": msg, "type": "query_decode"}
            if "\x00" in text:
                return {"loc": ["query", name], "msg": "contains a NUL character", "type": "query_decode"}
    return None


class BodyLimit:
    """Refuse bodies over `max_body` bytes with a JSON 413.

    A pure ASGI middleware (no BaseHTTPMiddleware: it costs throughput on every request). The declared
    Content-Length is checked first; a body without one (chunked) is counted while the route reads it.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = query_decode_problem(scope.get("query_string", b""))
        if problem is not None:
            await _send_json(send, 422, {"error": "invalid_request", "detail": [problem]})
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._too_large(send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # FastAPI re-raises HTTPExceptions from body parsing, so this reaches the JSON handler
                    raise HTTPException(413, f"request body over {self.max_body} bytes")
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        detail = f"request body over {self.max_body} bytes"
        await _send_json(send, 413, {"error": "payload_too_large", "detail": detail})


async def _send_json(send: Send, status: int, body: dict[str, object]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
