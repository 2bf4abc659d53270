"""Stream JSON-lines inputs (plain or gzip) and whole-JSON arXiv API files, record by record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from paperkg.errors import BadInput, BadRecord
from paperkg.ingest.gzstream import open_tolerant_gzip
from paperkg.ingest.items import Item
from paperkg.ingest.json_records import from_json
from paperkg.limits import current_limits

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"


def open_binary(path: Path) -> IO[bytes]:
    """Open plain or gzip input by its magic bytes, not its name. A truncated gzip reads up to the cut;
    `compression_problem(fh)` then says where it ended."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BadInput(f"{path}: cannot open: {exc.strerror or exc}") from exc
    if fh.read(2) == GZIP_MAGIC:
        fh.seek(0)
        return open_tolerant_gzip(fh)[0]
    fh.seek(0)
    return fh


def compression_problem(fh: IO[bytes]) -> str | None:
    return getattr(getattr(fh, "raw", None), "problem", None)


def read_jsonl(path: Path, skip: int = 0) -> Iterator[Item]:
    """One Item per line. `skip` lines already consumed by an earlier run are passed over without parsing.

    Lines are read with a bound (`max_line_bytes`): a longer line is skipped in chunks, never held whole."""
    limit = current_limits().max_line_bytes
    with open_binary(path) as fh:
        lineno = 0
        while True:
            try:
                raw = fh.readline(limit + 1)
            except OSError as exc:  # a read error of the medium: keep what went through, quarantine the rest
                yield Item.bad(f"line {lineno + 1}", f"unreadable input: {exc}")
                return
            if not raw:
                if problem := compression_problem(fh):
                    yield Item.bad(f"line {lineno + 1}", f"{problem}; records from here on are lost")
                return
            lineno += 1
            if len(raw) > limit and not raw.endswith(b"\n"):
                length = len(raw) + _skip_rest_of_line(fh)
                if lineno > skip:
                    yield Item.bad(
                        f"line {lineno}", f"line of {length:,}+ bytes, over the limit max_line_bytes={limit:,}", raw
                    )
                continue
            if lineno <= skip:
                continue
            if not raw.endswith(b"\n") and compression_problem(fh):
                # the last line of a cut .gz: even if it parses, it is not the record that was written
                yield Item.bad(f"line {lineno}", f"{compression_problem(fh)}; this line is incomplete", raw)
                return
            yield parse_line(raw, lineno)


def _skip_rest_of_line(fh: IO[bytes]) -> int:
    skipped = 0
    while chunk := fh.readline(1 << 20):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def parse_line(raw: bytes, lineno: int) -> Item:
    """Decode, parse and convert one line; any failure quarantines this line only."""
    location = f"line {lineno}"
    if raw.startswith(BOM):
        # a UTF-8 byte-order mark starts the file (or a file concatenated into this one): not data
        raw = raw[len(BOM) :]
    if not raw.strip():
        return Item(location=location)  # blank line: nothing to do, not an error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Item.bad(location, f"invalid UTF-8 at byte {exc.start} of the line", raw)
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        # exc.msg can end in "at" ("Invalid control character at"); exc.pos is the character position
        return Item.bad(location, f"invalid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}", text)
    except RecursionError:
        return Item.bad(location, "invalid JSON: nested too deeply to parse", text)
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return Item.bad(location, f"invalid JSON: {exc}", text)
    return paper_item(record, location, text)


def paper_item(record: object, location: str, excerpt: str) -> Item:
    try:
        return Item(location=location, paper=from_json(record))
    except BadRecord as exc:
        return Item.bad(location, str(exc), excerpt)
    except RecursionError:
        return Item.bad(location, "record nested too deeply", excerpt)
    except Exception as exc:  # noqa: BLE001  any other failure is this record's, never the batch's
        return Item.bad(location, f"unreadable record ({type(exc).__name__}: {exc})", excerpt)


def read_json_document(path: Path, skip: int = 0) -> Iterator[Item]:
    """A whole JSON document of arXiv API records: a list, {"papers": [...]}, {"entries": [...]}, or one record."""
    with open_binary(path) as fh:
        data = fh.read()
        problem = compression_problem(fh)
    if problem:
        raise BadInput(f"{path}: {problem}")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: not a readable JSON document: {exc}") from exc
    except RecursionError as exc:
        raise BadInput(f"{path}: not a readable JSON document: nested too deeply") from exc
    if isinstance(doc, dict):
        records = doc.get("papers") or doc.get("entries") or doc.get("results")
        if records is None:
            records = [doc]
    else:
        records = doc
    if not isinstance(records, list):
        raise BadInput(f"{path}: expected a list of records")
    for i, record in enumerate(records, start=1):
        if i <= skip:
            continue
        yield paper_item(record, f"record {i}", _excerpt(record))


def _excerpt(record: object) -> str:
    try:
        return json.dumps(record, ensure_ascii=False)[:300]
    except (ValueError, RecursionError):
        return repr(record)[:300]
