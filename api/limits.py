"""Request limits that must hold before any route runs: body size, declared or streamed (chunked uploads)."""

from __future__ import annotations

import json

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
        payload = json.dumps({"error": "payload_too_large", "detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
