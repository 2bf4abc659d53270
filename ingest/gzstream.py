"""Gzip input that survives truncation: every byte before the cut is delivered, and the cut is reported."""

from __future__ import annotations

import io
import zlib
from typing import IO

CHUNK = 1 << 16


class TolerantGzip(io.RawIOBase):
    """Decompress a (multi-member) gzip stream; at a truncated end or corrupt data, stop instead of raising.

    `gzip.GzipFile` raises EOFError on a cut stream and drops what it decompressed in that read, so a small
    truncated file lost every record. Here reading ends normally at the cut and `problem` says what happened,
    so the reader keeps the complete records and quarantines the tail."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""  # compressed bytes not yet fed
        self._done = False
        self.problem: str | None = None
        self.compressed_offset = 0  # compressed bytes consumed, for the quarantine location

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        want = len(buffer)
        while not self._done:
            if not self._pending and not self._d.unconsumed_tail:
                self._pending = self._raw.read(CHUNK)
                if not self._pending:
                    if not self._d.eof:
                        self.problem = (
                            f"compressed input ends before its end-of-stream marker "
                            f"(cut at compressed byte {self.compressed_offset:,})"
                        )
                    self._done = True
                    break
            data_in = self._d.unconsumed_tail or self._pending
            fed_pending = not self._d.unconsumed_tail
            if fed_pending:
                self.compressed_offset += len(self._pending)
                self._pending = b""
            try:
                out = self._d.decompress(data_in, want)
            except zlib.error as exc:
                self.problem = f"corrupt compressed data near compressed byte {self.compressed_offset:,}: {exc}"
                self._done = True
                break
            if self._d.eof:
                rest = self._d.unused_data
                self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)  # a concatenated member may follow
                if rest.strip(b"\x00"):
                    self._pending = rest
                elif not rest:
                    nxt = self._raw.read(CHUNK)
                    if not nxt:
                        self._done = True
                    self._pending = nxt
                else:
                    self._done = True  # trailing zero padding (tape archives), not another member
            if out:
                buffer[: len(out)] = out
                return len(out)
        return 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_tolerant_gzip(raw: IO[bytes]) -> tuple[io.BufferedReader, TolerantGzip]:
    stream = TolerantGzip(raw)
    return io.BufferedReader(stream, buffer_size=CHUNK), stream
