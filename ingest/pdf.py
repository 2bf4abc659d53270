"""Read scientific PDFs: metadata, sections, references (PyMuPDF, pypdf fallback); bad files quarantined."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from paperkg.errors import BadInput
from paperkg.ingest.items import Item
from paperkg.ingest.pdf_layout import (
    ABSTRACT_INLINE,
    APPENDIX_HEADING,
    REFERENCES_HEADING,
    Line,
    body_size,
    drop_furniture,
    find_authors,
    find_title,
    is_heading,
    join_lines,
)
from paperkg.ingest.references import find_arxiv_id, find_doi, parse_references, split_references
from paperkg.records import Paper, clean_text, normalize_arxiv_id

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 200  # below this over the whole file there is no usable text layer (a scan)
MAX_PAGES = 300  # books and theses beyond this are cut: the reference list of a 300-page file is not a paper's
_ARXIV_STAMP = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)\s*\[")


_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})


class UnreadablePdf(Exception):
    """A PDF that neither backend can read; the message is the quarantine reason."""


def read_pdf(path: Path, skip: int = 0) -> Iterator[Item]:
    """One Item per PDF: a paper with its full text, or the reason the file is quarantined.

    `path` is a PDF file or a directory searched recursively for ``*.pdf``. Raises BadInput only when the path
    itself cannot be listed or opened; every problem inside a file becomes a quarantined Item.
    """
    if path.is_dir():
        try:
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        except OSError as exc:
            raise BadInput(f"{path}: cannot list: {exc}") from exc
        for n, file in enumerate(files):
            if n >= skip:
                yield read_pdf_file(file, location=str(file.relative_to(path)))
        return
    if skip == 0:
        try:
            path.stat()
        except OSError as exc:
            raise BadInput(f"{path}: {exc.strerror or exc}") from exc
        yield read_pdf_file(path)


def read_pdf_file(path: Path, location: str = "file") -> Item:
    """Extract one PDF. Never raises: anything that goes wrong is the reason of a bad Item."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Item.bad(location, f"cannot read file: {exc.strerror or exc}")
    try:
        problem = _check_bytes(data)
        if problem:
            return Item.bad(location, problem, data[:120])
        pages, meta = _extract(path, data)
        chars = sum(len(ln.text) for page in pages for ln in page)
        if chars < MIN_TEXT_CHARS:
            return Item.bad(
                location,
                f"no text layer ({chars} characters on {len(pages)} pages): image-only or scanned PDF, "
                "OCR is not supported",
            )
        return _to_item(path, data, pages, meta, location)
    except UnreadablePdf as exc:
        return Item.bad(location, str(exc), data[:120])
    except Exception as exc:
        log.warning("pdf extraction failed for %s", path, exc_info=True)
        return Item.bad(location, f"extraction failed: {type(exc).__name__}: {exc}")


def _check_bytes(data: bytes) -> str | None:
    if not data:
        return "empty file (0 bytes)"
    if b"%PDF-" not in data[:1024]:
        return "not a PDF (no %PDF- header)"
    if b"%%EOF" not in data[-2048:]:
        return "truncated PDF (no %%EOF marker at the end of the file)"
    return None


def _extract(path: Path, data: bytes) -> tuple[list[list[Line]], dict[str, str]]:
    """Lines per page and document metadata: PyMuPDF first (geometry and fonts), pypdf when it fails."""
    try:
        return _extract_pymupdf(data)
    except UnreadablePdf:
        raise
    except Exception as first:  # noqa: BLE001 - fall back on any PyMuPDF failure
        log.info("PyMuPDF failed on %s (%s); trying pypdf", path, first)
        try:
            return _extract_pypdf(path)
        except UnreadablePdf:
            raise
        except Exception as second:
            raise UnreadablePdf(f"corrupt PDF: {first}; pypdf: {second}") from second


def _extract_pymupdf(data: bytes) -> tuple[list[list[Line]], dict[str, str]]:
    import pymupdf

    doc = pymupdf.open(stream=data, filetype="pdf")
    try:
        if doc.needs_pass and not doc.authenticate(""):
            raise UnreadablePdf("encrypted PDF (a password is required to open it)")
        if doc.page_count == 0:
            raise UnreadablePdf("corrupt PDF: no pages")
        flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP  # ligatures expanded: ﬁ -> fi
        pages = []
        rotated: list[str] = []  # page 1's side text: the arXiv stamp lives there
        for number, page in enumerate(doc):
            if number >= MAX_PAGES:
                break
            width = page.rect.width
            lines: list[Line] = []
            for block in page.get_text("dict", flags=flags)["blocks"]:
                merged: Line | None = None
                for raw in block.get("lines", []):
                    if raw["dir"][0] < 0.99:  # rotated text: the arXiv stamp, figure labels
                        if number == 0:
                            rotated.append("".join(s["text"] for s in raw["spans"]))
                        continue
                    spans = [s for s in raw["spans"] if s["text"].strip()]
                    if not spans:
                        continue
                    text = "".join(s["text"] for s in raw["spans"]).translate(_HYPHENS)
                    x0, y0, x1, _ = raw["bbox"]
                    big = max(spans, key=lambda s: len(s["text"]))
                    bold = all(s["flags"] & 16 or "bold" in s["font"].lower() for s in spans)
                    if merged is not None and abs(y0 - (merged.y0 or 0)) < 2 and x0 >= (merged.x1 or 0) - 1:
                        # a wide gap separates columns of a title block (name   email): keep it visible
                        gap = "   " if x0 - (merged.x1 or 0) > 1.5 * big["size"] else " "
                        merged.text = merged.text.rstrip() + gap + text.strip()
                        merged.x1 = x1
                        merged.bold = merged.bold and bold
                        continue
                    merged = Line(text, number, x0, y0, x1, round(big["size"], 1), bold, width)
                    lines.append(merged)
            pages.append(lines)
        meta = {k: v or "" for k, v in (doc.metadata or {}).items()}
        first_text = "\n".join(rotated + [ln.text for ln in pages[0]]) if pages else ""
        if stamp := _ARXIV_STAMP.search(first_text):
            meta["arxiv_stamp"] = stamp.group(1)
        return pages, meta
    finally:
        doc.close()


def _extract_pypdf(path: Path) -> tuple[list[list[Line]], dict[str, str]]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnreadablePdf("encrypted PDF (a password is required to open it)")
    pages = []
    try:
        for number, page in enumerate(reader.pages):
            if number >= MAX_PAGES:
                break
            text = page.extract_text() or ""
            text = text.translate(_LIGATURES).translate(_HYPHENS)
            pages.append([Line(t, number) for t in text.splitlines() if t.strip()])
    except FileNotDecryptedError as exc:
        raise UnreadablePdf("encrypted PDF (a password is required to open it)") from exc
    meta = {k.lstrip("/").lower(): str(v) for k, v in (reader.metadata or {}).items()}
    first = "\n".join(ln.text for ln in pages[0]) if pages else ""
    if stamp := _ARXIV_STAMP.search(first):
        meta["arxiv_stamp"] = stamp.group(1)
    return pages, meta


def _to_item(path: Path, data: bytes, pages: list[list[Line]], meta: dict[str, str], location: str) -> Item:
    pages = drop_furniture(pages)
    lines = [ln for page in pages for ln in page]
    body = body_size(lines)
    first = pages[0] if pages else []

    title, title_end = find_title(first, body)
    meta_title = clean_text(meta.get("title", ""))
    if _plausible_meta_title(meta_title):
        title = meta_title
    if not title:
        title = next((clean_text(ln.text) for ln in first if len(ln.text.strip()) > 10), "")
    if not title:
        return Item.bad(location, "no title found on the first page")

    abstract_at = next((i for i, ln in enumerate(lines) if _abstract_start(ln) is not None), None)
    authors = _meta_authors(meta.get("author", ""))
    if len(authors) < 2 and title_end >= 0:  # metadata often names the first author only
        stop = abstract_at if abstract_at is not None else len(first)
        found = find_authors(first, title_end, stop, body)
        authors = found if len(found) > len(authors) else authors

    sections, ref_lines = _sections(lines, body, abstract_at)
    abstract = next((s["text"] for s in sections if s["heading"].lower().strip(" .:") == "abstract"), "")
    if not abstract and abstract_at is None:
        abstract = _unheaded_abstract(first, title_end, body)
        if abstract and sections and sections[0]["heading"] == "":
            sections[0] = {"heading": "Abstract", "text": abstract}  # not the title block around it
    references = parse_references(split_references(ref_lines))

    first_text = "\n".join(ln.text for ln in first)
    arxiv_id = normalize_arxiv_id(meta.get("arxiv_stamp", "")) or normalize_arxiv_id(path.stem)
    if arxiv_id is None and (m := find_arxiv_id(first_text[:3000])) and _ARXIV_STAMP.search(first_text):
        arxiv_id = m
    paper_id = arxiv_id or f"pdf:{hashlib.sha256(data).hexdigest()[:16]}"
    doi = find_doi(first_text)
    paper = Paper(
        id=paper_id,
        title=title[:500],
        abstract=abstract[:5000],
        authors=authors,
        submitted=_arxiv_month(arxiv_id),
        doi=doi,
        source="pdf",
        # versions stay empty on purpose: an arXiv metadata record of the same paper (which has versions)
        # then wins the upsert, and the PDF only adds its full text
    )
    fulltext: dict[str, Any] = {
        "file": path.name,
        "pages": len(pages),
        "sections": sections,
        "references": references,
    }
    return Item(location=location, paper=paper, fulltext=fulltext)


def _plausible_meta_title(title: str) -> bool:
    if len(title) < 8 or len(title.split()) < 2:
        return False
    return not re.search(r"microsoft word|untitled|\.(dvi|docx?|tex|pdf)$|^doi:|^\d", title, re.IGNORECASE)


def _meta_authors(raw: str) -> list[str]:
    raw = clean_text(raw)
    if not raw or len(raw) > 2000:
        return []
    parts = re.split(r"\s*;\s*|\s+and\s+|\s*,\s*(?=[A-Z][a-z]+ [A-Z])", raw)
    names = [p.strip() for p in parts if 2 <= len(p.strip()) <= 80 and re.search(r"[A-Za-z]", p)]
    return [n.title() if n.islower() else n for n in names]


def _arxiv_month(arxiv_id: str | None) -> str | None:
    """Year and month of a new-style arXiv id (2206.10883 -> 2022-06): when it was submitted, not invented."""
    if arxiv_id and (m := re.match(r"^(\d\d)(\d\d)\.", arxiv_id)) and 1 <= int(m.group(2)) <= 12:
        return f"20{m.group(1)}-{m.group(2)}"
    return None


def _abstract_start(ln: Line) -> str | None:
    """'' for an Abstract heading line, the rest of the line for 'Abstract: text...', None otherwise."""
    text = ln.text.strip()
    if re.fullmatch(r"a\s?b\s?s\s?t\s?r\s?a\s?c\s?t\s*[.:]?", text, re.IGNORECASE):
        return ""
    if m := ABSTRACT_INLINE.match(text):
        return m.group(1)
    return None


_FRONT_MATTER = re.compile(
    r"^\s*(keywords|key words|index terms|contents|ccs concepts|additional key words and phrases)\b[\s:.—-]*",
    re.IGNORECASE,
)


def _unheaded_abstract(first: list[Line], title_end: int, body: float | None) -> str:
    """ACM journals and REVTeX print the abstract without a heading: the longest paragraph of prose lines
    between the title block and the first heading of page 1 (at least 40 words)."""
    best: list[str] = []
    run: list[str] = []
    for ln in first[title_end + 1 :]:
        if is_heading(ln, body):
            break
        text = ln.text.strip()
        words = text.split()
        if len(text) >= 35 and sum(w[:1].islower() for w in words) >= 0.5 * len(words):
            run.append(text)
            continue
        if run and text.endswith("."):
            run.append(text)  # the short last line of the paragraph
        best = max(best, run, key=len)
        run = []
    best = max(best, run, key=len)
    text = join_lines(best)
    return text if len(text.split()) >= 40 else ""


def _unheaded_references(lines: list[Line]) -> int | None:
    """Index just before a trailing list numbered [1], [2], [3]... that has no heading (REVTeX papers)."""
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].text.lstrip().startswith("[1]"):
            following = " ".join(ln.text for ln in lines[i : i + 60])
            if "[2]" in following and "[3]" in following:
                return i - 1
            return None
    return None


def _sections(
    lines: list[Line], body: float | None, abstract_at: int | None
) -> tuple[list[dict[str, str]], list[Line]]:
    """Body split at headings ([{heading, text}]) and the lines of the reference list.

    Text before the abstract (title block, affiliations) is skipped. The reference list runs from the last
    References heading to the next appendix heading or the end of the document.
    """
    ref_start = max((i for i, ln in enumerate(lines) if REFERENCES_HEADING.match(ln.text.strip())), default=None)
    if ref_start is None:
        ref_start = _unheaded_references(lines)
    ref_end = len(lines)
    if ref_start is not None:
        for j in range(ref_start + 1, len(lines)):
            ln = lines[j]
            if (
                is_heading(ln, body)
                and APPENDIX_HEADING.match(ln.text.strip())
                and ln.size
                and body
                and (ln.size >= body or ln.bold)
            ):
                ref_end = j
                break
    ref_lines = lines[ref_start + 1 : ref_end] if ref_start is not None else []

    start = abstract_at if abstract_at is not None else 0
    sections: list[dict[str, str]] = []
    heading, buf = "", []

    def flush() -> None:
        text = join_lines(buf)
        if text or heading:
            sections.append({"heading": heading, "text": text})

    for i in range(start, len(lines)):
        if ref_start is not None and ref_start <= i < ref_end:
            if i == ref_start:
                flush()
                heading, buf = "", []
            continue
        ln = lines[i]
        inline = _abstract_start(ln) if i == abstract_at else None
        if inline is not None:
            flush()
            heading, buf = "Abstract", [inline] if inline else []
        elif is_heading(ln, body):
            flush()
            heading, buf = clean_text(ln.text), []
        elif m := _FRONT_MATTER.match(ln.text):
            flush()  # "Keywords: ...", "CCS Concepts: ...", a table of contents: not part of the abstract
            heading, buf = clean_text(m.group(1)), [ln.text[m.end() :]]
        else:
            buf.append(ln.text)
    flush()
    return [s for s in sections if s["text"]], ref_lines
