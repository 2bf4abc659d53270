"""Field coercion shared by the readers: typed access with errors that name the field, names, dates."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from paperkg.errors import BadRecord
from paperkg.records import clean_text
from pylatexenc.latex2text import LatexNodes2Text

_latex = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def text_field(record: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """A string field, whitespace-collapsed; wrong types are a BadRecord naming the field."""
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise BadRecord("missing", field=name)
        return None
    if not isinstance(value, str):
        raise BadRecord(f"expected a string, got {type(value).__name__}", field=name)
    cleaned = clean_text(value)
    if required and not cleaned:
        raise BadRecord("empty", field=name)
    return cleaned or None


def list_field(record: dict[str, Any], name: str) -> list[Any]:
    value = record.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRecord(f"expected a list, got {type(value).__name__}", field=name)
    return value


def delatex(value: str) -> str:
    """Turn LaTeX accents in names (``Bal\\'azs``) into Unicode; leave anything unparsable as is."""
    if "\\" not in value and "{" not in value:
        return value
    try:
        return clean_text(_latex.latex_to_text(value))
    except Exception:  # pylatexenc raises on odd input; the raw name is still better than nothing
        return value


def split_authors(value: str) -> list[str]:
    """Split an arXiv author string ("A, B and C") into names."""
    value = re.sub(r"\s*\(.*?\)", "", value)  # affiliations in parentheses
    parts = re.split(r",\s*|\s+and\s+|;\s*", value)
    return [delatex(p.strip()) for p in parts if p.strip()]


def join_parsed_name(parts: list[Any]) -> str:
    """Kaggle ``authors_parsed`` entry [keyname, forenames, suffix] -> "Forenames Keyname Suffix"."""
    if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
        raise BadRecord("expected [keyname, forenames, suffix]", field="authors_parsed")
    keyname, forenames, suffix = (parts + ["", ""])[:3]
    return delatex(" ".join(p.strip() for p in (forenames, keyname, suffix) if p and p.strip()))


def iso_date(value: str | None, *, field: str) -> str | None:
    """Dates as ISO ``YYYY-MM-DD`` from ISO strings or RFC 2822 ("Mon, 2 Apr 2007 19:18:42 GMT")."""
    if not value:
        return None
    value = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError as exc:
        raise BadRecord(f"unreadable date {value!r}", field=field) from exc


def categories_from(value: Any, *, field: str = "categories") -> list[str]:
    """Categories from "cs.CL cs.LG", "cs.CL, cs.LG" or a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [c for c in re.split(r"[\s,]+", value) if c]
    if isinstance(value, list) and all(isinstance(c, str) for c in value):
        return [c.strip() for c in value if c.strip()]
    raise BadRecord("expected a string or a list of strings", field=field)
