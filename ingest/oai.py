"""Stream arXiv OAI-PMH ListRecords/GetRecord XML (prefixes arXiv, arXivRaw, oai_dc), one record at a time.

The file is cut into `<record>` elements by a streaming scanner and each is parsed on its own, so one
malformed record is quarantined (with its line number) while the records around it go through, and
memory stays flat however large the harvest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree
from paperkg.errors import BadRecord
from paperkg.ingest.fields import categories_from, delatex, iso_date, split_authors
from paperkg.ingest.items import Item
from paperkg.ingest.jsonl import compression_problem, open_binary
from paperkg.records import Paper, clean_text, normalize_arxiv_id, normalize_id, validate

_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?record[\s>]")
_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?record\s*>")
_XMLNS = re.compile(rb"""xmlns(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|'[^']*')""")
_CHUNK = 1 << 20


def read_oai(path: Path, skip: int = 0) -> Iterator[Item]:
    """One Item per <record>; `skip` records already consumed are passed over."""
    with open_binary(path) as fh:
        buf = b""
        consumed_lines = 1  # line number of buf[0]
        root_ns = b""
        count = 0
        eof = False
        while True:
            start = _START.search(buf)
            end = _END.search(buf, start.end()) if start else None
            if start and end:
                if not root_ns:
                    root_ns = b" ".join(_XMLNS.findall(buf[: start.start()]))
                chunk = buf[start.start() : end.end()]
                line = consumed_lines + buf.count(b"\n", 0, start.start())
                consumed_lines += buf.count(b"\n", 0, end.end())
                buf = buf[end.end() :]
                count += 1
                if count > skip:
                    yield _parse_record(chunk, root_ns, f"line {line}")
                continue
            if eof:
                problem = compression_problem(fh)
                if start:
                    line = consumed_lines + buf.count(b"\n", 0, start.start())
                    reason = f"unterminated <record> ({problem or 'truncated XML'})"
                    yield Item.bad(f"line {line}", reason, buf[start.start() :])
                elif problem:
                    tail_line = consumed_lines + buf.count(b"\n")
                    yield Item.bad(f"line {tail_line}", f"{problem}; the rest is lost")
                return
            try:
                data = fh.read(_CHUNK)
            except (EOFError, OSError) as exc:
                yield Item.bad(f"line {consumed_lines}", f"unreadable compressed data: {exc}")
                data = b""
            if not data:
                eof = True
            if not start and len(buf) > _CHUNK:
                # keep only a tail that could hold the start of a tag
                if not root_ns:
                    root_ns = b" ".join(_XMLNS.findall(buf))
                consumed_lines += buf.count(b"\n", 0, len(buf) - 64)
                buf = buf[-64:]
            buf += data


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _parse_record(chunk: bytes, root_ns: bytes, location: str) -> Item:
    try:
        wrapped = b"<wrap " + root_ns + b">" + chunk + b"</wrap>"
        root = etree.fromstring(wrapped, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return Item.bad(location, f"malformed XML: {exc.msg}", chunk)
    record = root[0]
    try:
        header = next((c for c in record if _local(c.tag) == "header"), None)
        if header is not None and header.get("status") == "deleted":
            ident = _child_text(header, "identifier")
            if not ident:
                raise BadRecord("deleted record without identifier", field="header/identifier")
            return Item(location=location, deleted_id=normalize_id(ident))
        metadata = next((c for c in record if _local(c.tag) == "metadata"), None)
        if metadata is None or len(metadata) == 0:
            raise BadRecord("record has no metadata", field="metadata")
        meta = metadata[0]
        kind = _local(meta.tag)
        set_specs = [clean_text(s.text or "") for s in record.iter() if _local(s.tag) == "setSpec"]
        if kind == "arXiv":
            paper = _from_arxiv(meta)
        elif kind == "arXivRaw":
            paper = _from_arxiv_raw(meta)
        elif kind == "dc":
            paper = _from_oai_dc(meta, header, set_specs)
        else:
            raise BadRecord(f"unsupported metadata format <{kind}>", field="metadata")
        return Item(location=location, paper=validate(paper))
    except BadRecord as exc:
        return Item.bad(location, str(exc), chunk)
    except Exception as exc:  # noqa: BLE001  one odd record never stops the file
        return Item.bad(location, f"unreadable record ({type(exc).__name__}: {exc})", chunk)


def _child(el: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in el if _local(c.tag) == name), None)


def _child_text(el: etree._Element | None, name: str) -> str | None:
    if el is None:
        return None
    c = _child(el, name)
    if c is None:
        return None
    text = clean_text("".join(c.itertext()))
    return text or None


def _require(el: etree._Element, name: str) -> str:
    value = _child_text(el, name)
    if not value:
        raise BadRecord("missing", field=name)
    return value


def _from_arxiv(meta: etree._Element) -> Paper:
    authors = []
    block = _child(meta, "authors")
    for a in block if block is not None else []:
        parts = [_child_text(a, "forenames"), _child_text(a, "keyname"), _child_text(a, "suffix")]
        name = " ".join(p for p in parts if p)
        if name:
            authors.append(delatex(name))
    return Paper(
        id=normalize_id(_require(meta, "id")),
        title=_require(meta, "title"),
        abstract=_child_text(meta, "abstract") or "",
        authors=authors,
        categories=categories_from(_child_text(meta, "categories")),
        submitted=iso_date(_child_text(meta, "created"), field="created"),
        updated=iso_date(_child_text(meta, "updated") or _child_text(meta, "created"), field="updated"),
        doi=_child_text(meta, "doi"),
        journal_ref=_child_text(meta, "journal-ref"),
        license=_child_text(meta, "license"),
        comments=_child_text(meta, "comments"),
        source="oai-arXiv",
    )


def _from_arxiv_raw(meta: etree._Element) -> Paper:
    versions, dates = [], []
    for v in meta:
        if _local(v.tag) == "version":
            versions.append(v.get("version") or f"v{len(versions) + 1}")
            dates.append(iso_date(_child_text(v, "date"), field="version/date"))
    return Paper(
        id=normalize_id(_require(meta, "id")),
        title=_require(meta, "title"),
        abstract=_child_text(meta, "abstract") or "",
        authors=split_authors(_child_text(meta, "authors") or ""),
        categories=categories_from(_child_text(meta, "categories")),
        submitted=dates[0] if dates else None,
        updated=dates[-1] if dates else None,
        doi=_child_text(meta, "doi"),
        journal_ref=_child_text(meta, "journal-ref"),
        license=_child_text(meta, "license"),
        comments=_child_text(meta, "comments"),
        versions=versions,
        source="oai-arXivRaw",
    )


def _from_oai_dc(meta: etree._Element, header: etree._Element | None, set_specs: list[str]) -> Paper:
    values: dict[str, list[str]] = {}
    for c in meta:
        text = clean_text("".join(c.itertext()))
        if text:
            values.setdefault(_local(c.tag), []).append(text)
    ident = next((normalize_arxiv_id(i) for i in values.get("identifier", []) if normalize_arxiv_id(i)), None)
    ident = ident or _child_text(header, "identifier")
    if not ident:
        raise BadRecord("missing", field="identifier")
    titles = values.get("title")
    if not titles:
        raise BadRecord("missing", field="title")
    # dc:creator is "Keyname, Forenames"
    authors = [" ".join(reversed([p.strip() for p in c.split(",", 1)])) for c in values.get("creator", [])]
    descriptions = [d for d in values.get("description", []) if not d.startswith("Comment:")]
    dates = sorted(iso_date(d, field="date") or "" for d in values.get("date", []))
    doi = next((i[4:] for i in values.get("identifier", []) if i.lower().startswith("doi:")), None)
    return Paper(
        id=normalize_id(ident),
        title=titles[0],
        abstract=descriptions[0] if descriptions else "",
        authors=[delatex(a) for a in authors],
        # oai_dc carries subjects as words ("Computer Science - Learning"); the set specs are the codes we have
        categories=[s.split(":", 1)[-1] for s in set_specs],  # "physics:hep-th" -> "hep-th"
        submitted=dates[0] if dates else None,
        updated=dates[-1] if dates else None,
        doi=doi,
        source="oai-dc",
    )
