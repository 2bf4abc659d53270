"""Turn one JSON object into a Paper: Kaggle arXiv snapshot, arXiv API (Atom / `arxiv` package) and BEIR corpus."""

from __future__ import annotations

from typing import Any

from paperkg.errors import BadRecord
from paperkg.ingest.fields import (
    categories_from,
    delatex,
    iso_date,
    join_parsed_name,
    list_field,
    split_authors,
    text_field,
)
from paperkg.records import Paper, arxiv_version, normalize_id, validate


def kind_of(record: dict[str, Any]) -> str:
    """Which schema a JSON object follows, by its keys."""
    if "_id" in record:
        return "beir"
    if "summary" in record or "entry_id" in record or "published" in record:
        return "arxiv-api"
    return "kaggle"


def from_json(record: Any) -> Paper:
    if not isinstance(record, dict):
        raise BadRecord(f"expected a JSON object, got {type(record).__name__}")
    kind = kind_of(record)
    if kind == "beir":
        return from_beir(record)
    if kind == "arxiv-api":
        return from_arxiv_api(record)
    return from_kaggle(record)


def from_kaggle(r: dict[str, Any]) -> Paper:
    """Kaggle `arxiv-metadata-oai-snapshot` record (14 fields)."""
    raw_id = text_field(r, "id", required=True)
    assert raw_id is not None
    parsed = list_field(r, "authors_parsed")
    if parsed:
        authors = [join_parsed_name(p) for p in parsed]
    else:
        authors = split_authors(text_field(r, "authors") or "")
    versions, dates = [], []
    for v in list_field(r, "versions"):
        if not isinstance(v, dict) or not isinstance(v.get("version"), str):
            raise BadRecord("expected objects with a 'version' string", field="versions")
        versions.append(v["version"])
        dates.append(iso_date(v.get("created"), field="versions.created"))
    return validate(
        Paper(
            id=normalize_id(raw_id),
            title=text_field(r, "title", required=True) or "",
            abstract=text_field(r, "abstract") or "",
            authors=authors,
            categories=categories_from(r.get("categories")),
            submitted=dates[0] if dates else None,
            updated=iso_date(text_field(r, "update_date"), field="update_date") or (dates[-1] if dates else None),
            doi=text_field(r, "doi"),
            journal_ref=text_field(r, "journal-ref"),
            license=text_field(r, "license"),
            comments=text_field(r, "comments"),
            versions=versions,
            source="kaggle",
        )
    )


def _api_authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_authors(value)
    if not isinstance(value, list):
        raise BadRecord("expected a list", field="authors")
    names = []
    for a in value:
        if isinstance(a, dict) and isinstance(a.get("name"), str):
            names.append(delatex(a["name"].strip()))
        elif isinstance(a, str):
            names.append(delatex(a.strip()))
        else:
            raise BadRecord("expected names or {'name': ...} objects", field="authors")
    return [n for n in names if n]


def from_arxiv_api(r: dict[str, Any]) -> Paper:
    """arXiv API record as JSON: the Atom fields, or the `arxiv` package's Result (entry_id, summary, ...)."""
    raw_id = r.get("arxiv_id") or r.get("id") or r.get("entry_id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise BadRecord("missing", field="id")
    version = arxiv_version(raw_id.rstrip("/").rsplit("/", 1)[-1]) if "/abs/" in raw_id else arxiv_version(raw_id)
    categories = categories_from(r.get("categories"))
    primary = r.get("primary_category")
    if isinstance(primary, str) and primary and primary not in categories:
        categories.insert(0, primary)
    return validate(
        Paper(
            id=normalize_id(raw_id),
            title=text_field(r, "title", required=True) or "",
            abstract=text_field(r, "summary") or "",
            authors=_api_authors(r.get("authors")),
            categories=categories,
            submitted=iso_date(text_field(r, "published"), field="published"),
            updated=iso_date(text_field(r, "updated"), field="updated"),
            doi=text_field(r, "doi"),
            journal_ref=text_field(r, "journal_ref"),
            comments=text_field(r, "comment"),
            versions=[f"v{i}" for i in range(1, version + 1)] if version else [],
            source="arxiv-api",
        )
    )


def from_beir(r: dict[str, Any]) -> Paper:
    """BEIR corpus line: {_id, title, text}. An empty title falls back to the text's start (BEIR has some)."""
    raw_id = r.get("_id")
    if isinstance(raw_id, int):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise BadRecord("missing", field="_id")
    text = text_field(r, "text") or ""
    title = text_field(r, "title") or ""
    if not title and not text:
        raise BadRecord("missing title and text", field="title")
    return validate(Paper(id=raw_id.strip(), title=title or text[:120], abstract=text, source="beir"))
