"""HTTP protocol settings for `paperkg serve`: bounded request heads, a deadline to send them, JSON 400s."""

from __future__ import annotations

import asyncio
import json
import os

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_ENV = "PAPERKG_HTTP_HEADER_TIMEOUT"
DRAIN_SECONDS = 1.0


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head, and protocol errors in the API's JSON shape.

    uvicorn limits the head's size (h11_max_incomplete_event_size) and idle keep-alive time, but a client that
    sends its headers a byte at a time holds a connection for as long as it likes; here it is closed when the
    head is not complete `header_timeout` seconds after the connection (or the previous response)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._arm_head_deadline()

    @property
    def header_timeout(self) -> float:
        return float(os.environ.get(HEADER_TIMEOUT_ENV, "10"))

    def _arm_head_deadline(self) -> None:
        self._cancel_head_deadline()
        self._head_deadline = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_deadline(self) -> None:
        if getattr(self, "_head_deadline", None) is not None:
            self._head_deadline.cancel()  # type: ignore[union-attr]
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.logger.info("closing a connection that sent no complete request head in %.0f s", self.header_timeout)
            self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:  # the head is in: the request runs without a deadline
            self._cancel_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        pending = len(self.conn.trailing_data[0])
        if pending >= self.conn._max_incomplete_event_size:  # noqa: SLF001  (no public accessor)
            detail = f"the request line and headers exceed {self.conn._max_incomplete_event_size:,} bytes"  # noqa: SLF001
        else:
            detail = "malformed HTTP request"
        body = json.dumps({"error": "bad_request", "detail": detail}).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            try:
                self.transport.write(self.conn.send(event))
            except h11.LocalProtocolError:
                break
        # closing with the client's request still unread makes the kernel send a reset, and the client never
        # sees this answer: read and drop what it still sends for a moment, then close
        self._discarding = True
        self.loop.call_later(DRAIN_SECONDS, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if getattr(self, "_discarding", False):
            return
        super().data_received(data)
