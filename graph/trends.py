"""Entity trends over time, rising entities and entity associations, over the graph's canonical entities."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from paperkg.catalog import Catalog
from paperkg.catalog.trends import Period
from paperkg.errors import BadInput
from paperkg.graph.explore import resolve_entity
from paperkg.graph.model import EntityRecord

# --- trends --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class TrendSeries:
    query: str  # what was asked for ("CNN"); the entity is the canonical one it resolved to
    entity: EntityRecord
    counts: list[int]  # papers mentioning the entity, one per period of the report
    shares: list[float]  # counts / all papers of that period (0 when the period has none)
    total: int


@dataclass(slots=True)
class TrendReport:
    by: Period
    category: str | None
    predicted: bool
    periods: list[str]
    papers: list[int]  # all papers per period (with the category filter)
    series: list[TrendSeries] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def period_range(first: str, last: str, by: Period) -> list[str]:
    """Every period from first to last inclusive, so gaps show as zeros rather than vanish."""
    if by == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _valid(period: str, by: Period) -> bool:
    if by == "year":
        return len(period) == 4 and period.isdigit()
    return len(period) == 7 and period[:4].isdigit() and period[4] == "-" and period[5:].isdigit()


def entity_trends(
    catalog: Catalog,
    queries: list[str],
    *,
    by: Period = "year",
    category: str | None = None,
    predicted: bool = False,
    since: str | None = None,
) -> TrendReport:
    """Papers per period mentioning each entity (names, aliases or ids resolve to canonical entities)."""
    if by not in ("month", "year"):
        raise BadInput(f"--by must be month or year, not {by!r}")
    if not queries:
        raise BadInput("name at least one entity")
    entities = [resolve_entity(catalog, q) for q in queries]  # EntityNotFound names the one missing
    totals = {
        p: n for p, n in catalog.papers_per_period(by, category=category, predicted=predicted).items() if _valid(p, by)
    }
    counts = catalog.entity_papers_per_period([e.pk for e in entities], by, category=category, predicted=predicted)
    periods = period_range(min(totals), max(totals), by) if totals else []
    if since:
        periods = [p for p in periods if p >= since[: len(p)]]  # "2025-06" keeps the year 2025
    papers = [totals.get(p, 0) for p in periods]
    report = TrendReport(by=by, category=category, predicted=predicted, periods=periods, papers=papers)
    for query, e in zip(queries, entities, strict=True):
        c = [counts[e.pk].get(p, 0) for p in periods]
        shares = [round(n / t, 6) if t else 0.0 for n, t in zip(c, papers, strict=True)]
        report.series.append(TrendSeries(query, EntityRecord.of(e), c, shares, sum(c)))
    return report


# --- rising entities -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Rising:
    entity: EntityRecord
    recent: int  # papers mentioning it in the recent window
    before: int  # ... in the window before
    recent_share: float
    before_share: float
    growth: float  # share difference, in percentage points
    z: float  # two-proportion z statistic: how unlikely the growth is under equal shares


@dataclass(slots=True)
class RisingReport:
    by: Period
    category: str | None
    recent_periods: list[str]
    before_periods: list[str]
    recent_papers: int
    before_papers: int
    min_papers: int
    min_z: float
    results: list[Rising] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def two_proportion_z(a: int, n_a: int, b: int, n_b: int) -> float:
    """z of the difference a/n_a - b/n_b under a pooled proportion (0 when undefined)."""
    if n_a == 0 or n_b == 0:
        return 0.0
    pooled = (a + b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return (a / n_a - b / n_b) / se if se > 0 else 0.0


def rising_entities(
    catalog: Catalog,
    *,
    by: Period = "year",
    window: int | None = None,
    category: str | None = None,
    predicted: bool = False,
    min_papers: int = 3,
    min_z: float = 1.96,
    limit: int = 20,
) -> RisingReport:
    """Entities whose share of papers grew most from the window before to the latest window (calendar
    periods ending at the latest one; when the window before holds no papers, every earlier period).

    Tiny counts are noise: an entity needs `min_papers` papers in the recent window and a growth that is
    significant under a two-proportion z test (`min_z`, 1.96 = 5% two-sided) before it is ranked."""
    if window is None:
        window = 3 if by == "month" else 1
    if window < 1:
        raise BadInput("--window must be at least 1")
    totals = {
        p: n
        for p, n in catalog.papers_per_period(by, category=category, predicted=predicted, with_entities=True).items()
        if _valid(p, by)
    }
    calendar = period_range(min(totals), max(totals), by) if totals else []
    recent, before = calendar[-window:], calendar[-2 * window : -window]
    if not any(totals.get(p) for p in before):
        # nothing in the window just before (a catalog with gaps): compare with every earlier period instead
        before = [p for p in sorted(totals) if recent and p < recent[0]]
    recent = [p for p in recent if totals.get(p)]
    before = [p for p in before if totals.get(p)]
    report = RisingReport(
        by=by,
        category=category,
        recent_periods=recent,
        before_periods=before,
        recent_papers=sum(totals[p] for p in recent),
        before_papers=sum(totals[p] for p in before),
        min_papers=min_papers,
        min_z=min_z,
    )
    if not recent or not before:
        return report
    counts = catalog.entity_papers_in_periods(recent + before, by, category=category, predicted=predicted)
    n_r, n_b = report.recent_papers, report.before_papers
    scored = []
    for entity_pk, per in counts.items():
        r = sum(per.get(p, 0) for p in recent)
        b = sum(per.get(p, 0) for p in before)
        if r < min_papers:
            continue
        z = two_proportion_z(r, n_r, b, n_b)
        if z < min_z:
            continue
        scored.append((r / n_r - b / n_b, z, entity_pk, r, b))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
    rows = catalog.entities_by_pk([t[2] for t in scored[:limit]])
    for growth, z, entity_pk, r, b in scored[:limit]:
        report.results.append(
            Rising(
                EntityRecord.of(rows[entity_pk]),
                r,
                b,
                round(r / n_r, 6),
                round(b / n_b, 6),
                round(100 * growth, 3),
                round(z, 3),
            )
        )
    return report


# --- associations --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Association:
    entity: EntityRecord
    together: int  # papers mentioning both
    papers: int  # papers mentioning this entity
    pmi: float  # log2 of observed / expected co-occurrence
    npmi: float  # PMI / -log2 p(both): 1 = always together, 0 = independent
    lift: float  # observed / expected = 2 ** pmi


@dataclass(slots=True)
class AssociationReport:
    entity: EntityRecord
    papers: int  # papers mentioning the asked entity
    corpus: int  # papers with any entity (the denominator of every probability)
    min_support: int
    category: str | None
    results: list[Association] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def associations(
    catalog: Catalog,
    query: str,
    *,
    category: str | None = None,
    predicted: bool = False,
    min_support: int = 3,
    limit: int = 20,
) -> AssociationReport:
    """Entities co-occurring with `query` in more papers than chance predicts (lift > 1), by PMI.

    `min_support` papers together are required: PMI rewards rare pairs, and one shared paper is no evidence."""
    if min_support < 1:
        raise BadInput("--min-support must be at least 1")
    e = resolve_entity(catalog, query)
    n = catalog.count_papers_with_entities(category=category, predicted=predicted)
    together = {
        k: v for k, v in catalog.cooccurrences(e.pk, category=category, predicted=predicted).items() if v >= min_support
    }
    totals = catalog.entity_paper_totals([e.pk, *together], category=category, predicted=predicted)
    n_x = totals.get(e.pk, 0)
    report = AssociationReport(EntityRecord.of(e), n_x, n, min_support, category)
    scored = []
    for other, n_xy in together.items():
        n_y = totals.get(other, 0)
        if not (n and n_x and n_y):
            continue
        pmi = math.log2(n_xy * n / (n_x * n_y))
        if pmi <= 0:
            continue
        p_xy = n_xy / n
        npmi = pmi / -math.log2(p_xy) if p_xy < 1 else 1.0
        scored.append((pmi, n_xy, other, n_y, npmi))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
    rows = catalog.entities_by_pk([t[2] for t in scored[:limit]])
    for pmi, n_xy, other, n_y, npmi in scored[:limit]:
        report.results.append(
            Association(EntityRecord.of(rows[other]), n_xy, n_y, round(pmi, 4), round(npmi, 4), round(2**pmi, 4))
        )
    return report
