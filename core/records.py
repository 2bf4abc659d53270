"""The paper record every stage passes around, arXiv id normalisation and the content hash."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from paperkg.errors import BadRecord

# new style 0704.0001 / 2301.12345 (with optional vN); old style hep-th/9901001 or math.GT/0309136
_NEW_ID = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_OLD_ID = re.compile(r"^([a-z][a-z\-]*(?:\.[A-Za-z\-]{2,})?/\d{7})(v\d+)?$")
_PREFIXES = re.compile(
    r"^(?:https?://(?:export\.|www\.)?arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:|arxiv:)", re.IGNORECASE
)


def normalize_arxiv_id(raw: str) -> str | None:
    """Canonical arXiv id without version (``2301.12345``, ``hep-th/9901001``), or None if not an arXiv id."""
    value = _PREFIXES.sub("", raw.strip())
    value = value.removesuffix(".pdf")
    if m := _NEW_ID.match(value):
        return m.group(1)
    if m := _OLD_ID.match(value):
        return m.group(1)
    return None


def arxiv_version(raw: str) -> int | None:
    """The version number carried by an id such as ``2301.12345v3``."""
    m = re.search(r"v(\d+)$", raw.strip())
    return int(m.group(1)) if m else None


def normalize_id(raw: str) -> str:
    """Paper key: the canonical arXiv id when it is one, otherwise the trimmed id as given (BEIR, DOIs...)."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadRecord("missing or empty id", field="id")
    return normalize_arxiv_id(raw) or raw.strip()


def clean_text(value: str) -> str:
    """Collapse whitespace (arXiv titles and abstracts are hard-wrapped) and NFC-normalise."""
    return " ".join(unicodedata.normalize("NFC", value).split())


@dataclass(slots=True)
class Paper:
    """One paper as the catalog stores it. Fields the source lacks stay empty; nothing is invented."""

    id: str
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    submitted: str | None = None  # ISO date of the first version
    updated: str | None = None  # ISO date of the latest change
    doi: str | None = None
    journal_ref: str | None = None
    license: str | None = None
    comments: str | None = None
    versions: list[str] = field(default_factory=list)  # ["v1", "v2", ...]
    source: str = ""  # format the record came from

    @property
    def latest_version(self) -> int:
        nums = [int(v[1:]) for v in self.versions if re.fullmatch(r"v\d+", v)]
        return max(nums, default=0)

    @property
    def year(self) -> int | None:
        date = self.submitted or self.updated
        return int(date[:4]) if date and date[:4].isdigit() else None

    @property
    def text(self) -> str:
        """What the indexes see: title and abstract."""
        return f"{self.title}. {self.abstract}".strip() if self.abstract else self.title

    def content_hash(self) -> str:
        """Hash of the content fields (not the source format), so a record re-ingested unchanged is skipped."""
        data = asdict(self)
        data.pop("source")
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["year"] = self.year
        return data


def validate(paper: Paper) -> Paper:
    """Reject records that cannot be papers; the reason names the field."""
    if not paper.id:
        raise BadRecord("missing id", field="id")
    if not paper.title:
        raise BadRecord("missing or empty title", field="title")
    for name in ("authors", "categories", "versions"):
        value = getattr(paper, name)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadRecord("expected a list of strings", field=name)
    from paperkg.limits import check_paper  # size limits and NUL/surrogate policy, see limits.py

    return check_paper(paper)
