"""A collection's feed: papers added or published since a date, ranked against the collection, each explained.

The collection's papers are the positive seeds and its dismissed papers the negative ones of the recommender
(`graph/recommend.py`), restricted to the new papers. Output is meant for cron plus mail: deterministic for a
given catalog (no clock in it), self-contained (markdown with links, a standalone HTML document, or JSON).
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from paperkg.catalog import Catalog
from paperkg.catalog.collections import NewBy
from paperkg.errors import BadInput
from paperkg.records import Paper, normalize_arxiv_id
from paperkg.settings import Settings

Format = Literal["markdown", "html", "json"]
FORMATS = ("markdown", "html", "json")
DEFAULT_DAYS = 7
MAX_SEEDS = 50  # the most recently added papers (and dismissals) steer the feed; one graph walk per seed


@dataclass(slots=True)
class FeedItem:
    id: str
    title: str
    score: float
    explanation: dict[str, Any]
    why: str  # the explanation in one line of words
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    submitted: str | None = None
    doi: str | None = None
    url: str | None = None


@dataclass(slots=True)
class Feed:
    collection: str
    since: str
    by: str
    seeds: int  # positive seeds used
    dismissed: int  # negative seeds used
    candidates: int  # new papers considered (outside the collection)
    results: list[FeedItem]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_since(value: str | None, today: date | None = None) -> str:
    """YYYY-MM-DD (default: DEFAULT_DAYS days ago); a clear error otherwise."""
    if value is None:
        return ((today or datetime.now(UTC).date()) - timedelta(days=DEFAULT_DAYS)).isoformat()
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise BadInput(f"since must be a date YYYY-MM-DD, not {value!r}") from None


def paper_url(p: Paper) -> str | None:
    if normalize_arxiv_id(p.id):
        return f"https://arxiv.org/abs/{p.id}"
    if p.doi:
        return f"https://doi.org/{p.doi}"
    return None


def build_feed(
    catalog: Catalog,
    settings: Settings,
    collection: str | int,
    *,
    since: str | None = None,
    k: int = 20,
    by: NewBy = "either",
) -> Feed:
    """The feed of a collection (by name or id); BadInput when it has no papers to start from."""
    from paperkg.graph.recommend import recommend

    if k < 1:
        raise BadInput("k must be at least 1")
    since = parse_since(since)
    members = catalog.collection_members(collection)
    name = members.info.name
    if not members.papers:
        raise BadInput(f"collection {name!r} has no papers yet: add some (paperkg collection add) first")
    # newest first: the seeds follow where the collection is going
    positive = [pid for _pk, pid, _t, _a in sorted(members.papers, key=lambda m: m[3], reverse=True)]
    negative = [pid for _pk, pid, _t, _a in sorted(members.dismissed, key=lambda m: m[3], reverse=True)]
    in_collection = {pk for pk, *_ in members.papers} | {pk for pk, *_ in members.dismissed}
    new = catalog.new_paper_pks(since, by) - in_collection
    recs = recommend(catalog, settings, positive[:MAX_SEEDS], negative[:MAX_SEEDS], k, only=new) if new else []
    papers = catalog.papers_by_pk([catalog.paper_pk(r.id) for r in recs]) if recs else {}
    by_id = {p.id: p for p in papers.values()}
    items = []
    for r in recs:
        p = by_id[r.id]
        explanation = asdict(r.explanation)
        items.append(
            FeedItem(
                id=r.id,
                title=r.title,
                score=r.score,
                explanation=explanation,
                why=explain_in_words(explanation, {pid: t for _pk, pid, t, _a in members.papers}),
                authors=p.authors,
                year=p.year,
                submitted=p.submitted,
                doi=p.doi,
                url=paper_url(p),
            )
        )
    return Feed(
        collection=name,
        since=since,
        by=by,
        seeds=min(len(positive), MAX_SEEDS),
        dismissed=min(len(negative), MAX_SEEDS),
        candidates=len(new),
        results=items,
    )


def explain_in_words(ex: dict[str, Any], titles: dict[str, str]) -> str:
    """One line saying why a paper is in the feed, from a recommendation's explanation."""
    parts = []
    seed = ex.get("seed")
    if seed:
        parts.append(f"close to {seed} ({_short(titles.get(seed, ''))})" if titles.get(seed) else f"close to {seed}")
    if ex.get("vector_similarity") is not None:
        parts.append(f"vector similarity {ex['vector_similarity']:.2f}")
    if ex.get("shared_entities"):
        parts.append("shared entities: " + ", ".join(e["name"] for e in ex["shared_entities"][:5]))
    if ex.get("shared_authors"):
        parts.append("shared authors: " + ", ".join(ex["shared_authors"][:5]))
    if ex.get("citations"):
        parts.append("; ".join(ex["citations"][:3]))
    if ex.get("relation_path"):
        parts.append("path: " + " ".join(ex["relation_path"]))
    if ex.get("note"):
        parts.append(ex["note"])
    return "; ".join(parts) or "ranked by the collection's seeds"


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _authors(authors: list[str]) -> str:
    return ", ".join(authors[:5]) + (" et al." if len(authors) > 5 else "")


def _header(feed: Feed) -> str:
    what = {"added": "added to the catalog", "published": "published", "either": "added or published"}[feed.by]
    return (
        f"Papers {what} since {feed.since}, ranked against the collection's {feed.seeds} papers"
        f" ({feed.dismissed} dismissed): {len(feed.results)} of {feed.candidates} new papers shown."
    )


def render(feed: Feed, fmt: Format) -> str:
    if fmt == "json":
        return json.dumps(feed.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "markdown":
        return render_markdown(feed)
    if fmt == "html":
        return render_html(feed)
    raise BadInput(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _md_escape(text: str) -> str:
    # link text and plain text: neutralise the characters markdown would read as markup
    return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in " ".join(text.split()))


def render_markdown(feed: Feed) -> str:
    lines = [f"# paperkg feed: {_md_escape(feed.collection)}", "", _header(feed), ""]
    if not feed.results:
        lines.append("Nothing new.")
    for i, r in enumerate(feed.results, 1):
        title = _md_escape(r.title)
        url = (r.url or "").replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        head = f"[{title}]({url})" if url else title
        meta = " · ".join(x for x in (_md_escape(_authors(r.authors)), r.submitted or str(r.year or ""), r.id) if x)
        lines += [f"{i}. **{head}** — {meta} · score {r.score:.3f}", f"   - why: {_md_escape(r.why)}", ""]
    return "\n".join(lines).rstrip() + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2933}"
    "li{margin:0 0 1rem}.meta,.why{color:#52606d;font-size:.9rem}a{color:#1f5fbf}"
)


def render_html(feed: Feed) -> str:
    e = html.escape
    items = []
    for r in feed.results:
        title = f'<a href="{e(r.url)}">{e(r.title)}</a>' if r.url else e(r.title)
        meta = " · ".join(x for x in (_authors(r.authors), r.submitted or str(r.year or ""), r.id) if x)
        items.append(
            f'<li><strong>{title}</strong><div class="meta">{e(meta)} · score {r.score:.3f}</div>'
            f'<div class="why">why: {e(r.why)}</div></li>'
        )
    body = f"<ol>\n{chr(10).join(items)}\n</ol>" if items else "<p>Nothing new.</p>"
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>paperkg feed: {e(feed.collection)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>paperkg feed: {e(feed.collection)}</h1>\n<p>{e(_header(feed))}</p>\n{body}\n</body>\n</html>\n"
    )
