"""Pick the reader for an input by peeking at its content (and extension for PDFs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from paperkg.errors import BadInput
from paperkg.ingest.items import Item
from paperkg.ingest.jsonl import open_binary, read_json_document, read_jsonl
from paperkg.ingest.oai import read_oai

Reader = Callable[[Path, int], Iterator[Item]]
INPUT_SUFFIXES = (".json", ".jsonl", ".ndjson", ".gz", ".xml", ".pdf")


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given; directories expanded to the readable files inside them, sorted for a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.name.lower().endswith(INPUT_SUFFIXES)))
        else:
            out.append(p)
    return out


def detect(path: Path) -> tuple[str, Reader]:
    """(format name, reader). Raises BadInput when the file cannot be read or its format is unknown."""
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    if not path.is_file():
        raise BadInput(f"{path}: not a regular file")
    if path.suffix.lower() == ".pdf":
        from paperkg.ingest.pdf import read_pdf  # optional feature: PyMuPDF is only imported for PDFs

        return "pdf", lambda p, skip: _skip(read_pdf(p), skip)
    head = _peek(path)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise BadInput(f"{path}: empty input")
    if stripped.startswith(b"%PDF"):
        from paperkg.ingest.pdf import read_pdf

        return "pdf", lambda p, skip: _skip(read_pdf(p), skip)
    if stripped.startswith(b"<"):
        return "oai-pmh", read_oai
    if stripped.startswith(b"["):
        return "arxiv-api-json", read_json_document
    if stripped.startswith(b"{"):
        first_line = stripped.split(b"\n", 1)[0]
        try:
            json.loads(first_line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            # a pretty-printed document spans lines; a JSON-lines file with a bad first line still has
            # more lines that parse
            if _looks_like_document(path):
                return "arxiv-api-json", read_json_document
        return "json-lines", read_jsonl
    raise BadInput(f"{path}: unknown format (expected JSON lines, JSON, OAI-PMH XML or PDF)")


def _peek(path: Path, size: int = 65536) -> bytes:
    try:
        with open_binary(path) as fh:
            return fh.read(size)
    except (OSError, EOFError) as exc:
        raise BadInput(f"{path}: unreadable: {exc}") from exc


def _looks_like_document(path: Path) -> bool:
    if path.stat().st_size > 256 << 20:  # never load a bulk dump whole; treat it as JSON lines
        return False
    try:
        with open_binary(path) as fh:
            json.loads(fh.read().decode("utf-8-sig"))
        return True
    except (ValueError, OSError, EOFError, RecursionError):
        return False


def _skip(items: Iterator[Item], skip: int) -> Iterator[Item]:
    for i, item in enumerate(items):
        if i >= skip:
            yield item
