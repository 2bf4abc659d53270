"""Catalog queries for entity trends and associations: papers per period, per entity, and co-occurrences."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

Period = Literal["month", "year"]

# a paper's period: submission month, or its year (PDFs may carry only a year)
_PERIOD = {
    "month": "CASE WHEN length(p.submitted) >= 7 THEN substr(p.submitted, 1, 7) END",
    "year": "COALESCE(CAST(p.year AS TEXT), substr(p.submitted, 1, 4))",
}


def category_filter(category: str | None, predicted: bool) -> tuple[str, list[object]]:
    """SQL condition on `p.pk` for a category ("cs" = every cs.*), given or, with `predicted`, predicted top-1."""
    if category is None:
        return "1", []
    if "." in category or "-" in category:
        cond, args = "category = ?", [category]
    else:
        pattern = category.replace("%", "\\%").replace("_", "\\_") + ".%"
        cond, args = "(category = ? OR category LIKE ? ESCAPE '\\')", [category, pattern]
    sql = f"p.pk IN (SELECT paper_pk FROM paper_categories WHERE {cond}"
    if predicted:  # papers without given categories, by their most probable predicted one
        sql += f" UNION SELECT paper_pk FROM predicted_categories WHERE rank = 1 AND {cond}"
        args = args + args
    return sql + ")", args


class TrendsMixin:
    conn: sqlite3.Connection

    def papers_per_period(
        self, by: Period, *, category: str | None = None, predicted: bool = False, with_entities: bool = False
    ) -> dict[str, int]:
        """Papers per period (only those with at least one resolved entity when `with_entities`)."""
        cond, args = category_filter(category, predicted)
        extra = " AND p.pk IN (SELECT paper_pk FROM mention_entities)" if with_entities else ""
        rows = self.conn.execute(
            f"SELECT {_PERIOD[by]} AS period, COUNT(*) FROM papers p WHERE {cond}{extra} "
            "GROUP BY period HAVING period IS NOT NULL",
            args,
        )
        return {r[0]: int(r[1]) for r in rows}

    def entity_papers_per_period(
        self, entity_pks: Sequence[int], by: Period, *, category: str | None = None, predicted: bool = False
    ) -> dict[int, dict[str, int]]:
        """For each entity, the number of distinct papers mentioning it per period."""
        out: dict[int, dict[str, int]] = {pk: {} for pk in entity_pks}
        if not entity_pks:
            return out
        cond, args = category_filter(category, predicted)
        marks = ", ".join("?" * len(entity_pks))
        rows = self.conn.execute(
            f"SELECT me.entity_pk, {_PERIOD[by]} AS period, COUNT(DISTINCT me.paper_pk) "
            f"FROM mention_entities me JOIN papers p ON p.pk = me.paper_pk "
            f"WHERE me.entity_pk IN ({marks}) AND {cond} GROUP BY me.entity_pk, period HAVING period IS NOT NULL",
            [*entity_pks, *args],
        )
        for entity_pk, period, n in rows:
            out[int(entity_pk)][period] = int(n)
        return out

    def entity_papers_in_periods(
        self, periods: Sequence[str], by: Period, *, category: str | None = None, predicted: bool = False
    ) -> dict[int, dict[str, int]]:
        """Every entity's distinct papers per period, restricted to `periods` (for rising entities)."""
        if not periods:
            return {}
        cond, args = category_filter(category, predicted)
        marks = ", ".join("?" * len(periods))
        rows = self.conn.execute(
            f"SELECT me.entity_pk, {_PERIOD[by]} AS period, COUNT(DISTINCT me.paper_pk) "
            f"FROM mention_entities me JOIN papers p ON p.pk = me.paper_pk "
            f"WHERE {cond} AND {_PERIOD[by]} IN ({marks}) GROUP BY me.entity_pk, period",
            [*args, *periods],
        )
        out: dict[int, dict[str, int]] = defaultdict(dict)
        for entity_pk, period, n in rows:
            out[int(entity_pk)][period] = int(n)
        return dict(out)

    def entity_paper_totals(
        self, entity_pks: Sequence[int] | None = None, *, category: str | None = None, predicted: bool = False
    ) -> dict[int, int]:
        """Distinct papers mentioning each entity (every entity when `entity_pks` is None)."""
        cond, args = category_filter(category, predicted)
        sql = (
            "SELECT me.entity_pk, COUNT(DISTINCT me.paper_pk) FROM mention_entities me "
            f"JOIN papers p ON p.pk = me.paper_pk WHERE {cond}"
        )
        if entity_pks is not None:
            if not entity_pks:
                return {}
            sql += f" AND me.entity_pk IN ({', '.join('?' * len(entity_pks))})"
            args = [*args, *entity_pks]
        rows = self.conn.execute(sql + " GROUP BY me.entity_pk", args)
        return {int(r[0]): int(r[1]) for r in rows}

    def cooccurrences(self, entity_pk: int, *, category: str | None = None, predicted: bool = False) -> dict[int, int]:
        """Other entities and the number of papers they share with `entity_pk`."""
        cond, args = category_filter(category, predicted)
        rows = self.conn.execute(
            "SELECT b.entity_pk, COUNT(DISTINCT b.paper_pk) FROM mention_entities a "
            "JOIN mention_entities b ON b.paper_pk = a.paper_pk AND b.entity_pk != a.entity_pk "
            f"JOIN papers p ON p.pk = a.paper_pk WHERE a.entity_pk = ? AND {cond} GROUP BY b.entity_pk",
            [entity_pk, *args],
        )
        return {int(r[0]): int(r[1]) for r in rows}

    def count_papers_with_entities(self, *, category: str | None = None, predicted: bool = False) -> int:
        cond, args = category_filter(category, predicted)
        row = self.conn.execute(
            f"SELECT COUNT(*) FROM papers p WHERE {cond} AND p.pk IN (SELECT paper_pk FROM mention_entities)", args
        ).fetchone()
        return int(row[0])
