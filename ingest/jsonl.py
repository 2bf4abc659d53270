"""Stream JSON-lines inputs (plain or gzip) and whole-JSON arXiv API files, record by record."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from paperkg.errors import BadInput, BadRecord
from paperkg.ingest.items import Item
from paperkg.ingest.json_records import from_json

GZIP_MAGIC = b"\x1f\x8b"


def open_binary(path: Path) -> IO[bytes]:
    """Open plain or gzip input by its magic bytes, not its name."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BadInput(f"{path}: cannot open: {exc.strerror or exc}") from exc
    if fh.read(2) == GZIP_MAGIC:
        fh.close()
        return gzip.open(path, "rb")
    fh.seek(0)
    return fh


def read_jsonl(path: Path, skip: int = 0) -> Iterator[Item]:
    """One Item per line. `skip` lines already consumed by an earlier run are passed over without parsing."""
    with open_binary(path) as fh:
        lineno = 0
        while True:
            try:
                raw = fh.readline()
            except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
                # a truncated or corrupt .gz: everything before this point went through
                yield Item.bad(f"line {lineno + 1}", f"unreadable compressed data: {exc}")
                return
            if not raw:
                return
            lineno += 1
            if lineno <= skip:
                continue
            yield _parse_line(raw, lineno)


def _parse_line(raw: bytes, lineno: int) -> Item:
    location = f"line {lineno}"
    if not raw.strip():
        return Item(location=location)  # blank line: nothing to do, not an error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Item.bad(location, f"invalid UTF-8 at byte {exc.start} of the line", raw)
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return Item.bad(location, f"invalid JSON: {exc.msg} at column {exc.colno}", text)
    try:
        return Item(location=location, paper=from_json(record))
    except BadRecord as exc:
        return Item.bad(location, str(exc), text)


def read_json_document(path: Path, skip: int = 0) -> Iterator[Item]:
    """A whole JSON document of arXiv API records: a list, {"papers": [...]}, {"entries": [...]}, or one record."""
    with open_binary(path) as fh:
        data = fh.read()
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: not a readable JSON document: {exc}") from exc
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
        try:
            yield Item(location=f"record {i}", paper=from_json(record))
        except BadRecord as exc:
            yield Item.bad(f"record {i}", str(exc), json.dumps(record, ensure_ascii=False)[:300])
