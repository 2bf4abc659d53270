"""Bulk first load: node and relationship CSV files in the `neo4j-admin database import` format.

Deterministic: rows are sorted and written with fixed formatting, so re-exporting an unchanged catalog gives
byte-identical files. Arrays use `;` (neo4j-admin's default array delimiter), so `;` inside array items is
replaced by `,`. See graph/README.md for the import command.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from paperkg.artifacts import atomic_path
from paperkg.catalog import Catalog
from paperkg.graph.model import REL_TYPES, read_snapshot

ARRAY_DELIMITER = ";"


@dataclass(slots=True)
class ExportReport:
    directory: str
    files: dict[str, int] = field(default_factory=dict)  # file name -> data rows
    seconds: float = 0.0

    @property
    def nodes(self) -> int:
        return sum(n for f, n in self.files.items() if f.startswith("nodes_"))

    @property
    def relationships(self) -> int:
        return sum(n for f, n in self.files.items() if f.startswith("rels_"))

    def import_command(self, database: str = "neo4j") -> str:
        nodes = " ".join(f"--nodes={f}" for f in sorted(self.files) if f.startswith("nodes_"))
        rels = " ".join(f"--relationships={f}" for f in sorted(self.files) if f.startswith("rels_"))
        return (
            f"neo4j-admin database import full {nodes} {rels} --array-delimiter=';' --overwrite-destination {database}"
        )


def _array(values: Iterable[str]) -> str:
    return ARRAY_DELIMITER.join(str(v).replace(ARRAY_DELIMITER, ",") for v in values)


def _write(path: Path, header: list[str], rows: Iterable[list]) -> int:
    n = 0
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            n += 1
    return n


def export_neo4j_admin(catalog: Catalog, out: Path) -> ExportReport:
    """Write nodes_*.csv and rels_*.csv under `out` (created if needed)."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    snap = read_snapshot(catalog)
    report = ExportReport(directory=str(out))
    f = report.files
    f["nodes_papers.csv"] = _write(
        out / "nodes_papers.csv",
        ["id:ID(Paper)", "title", "year:int", "categories:string[]", "external:boolean", ":LABEL"],
        [[p.id, p.title, p.year, _array(p.categories), "false", "Paper"] for p in snap.papers]
        + [[x, "", None, "", "true", "Paper"] for x in snap.externals],
    )
    f["nodes_entities.csv"] = _write(
        out / "nodes_entities.csv",
        [
            "id:ID(Entity)",
            "name",
            "type",
            "aliases:string[]",
            "paper_count:int",
            "mention_count:int",
            ":LABEL",
        ],
        [[e.id, e.name, e.type, _array(e.aliases), e.paper_count, e.mention_count, "Entity"] for e in snap.entities],
    )
    authors = sorted({a for p in snap.papers for a in p.authors})
    f["nodes_authors.csv"] = _write(
        out / "nodes_authors.csv", ["name:ID(Author)", ":LABEL"], [[a, "Author"] for a in authors]
    )
    categories = sorted({c for p in snap.papers for c in p.categories})
    f["nodes_categories.csv"] = _write(
        out / "nodes_categories.csv", ["code:ID(Category)", ":LABEL"], [[c, "Category"] for c in categories]
    )
    f["rels_mentions.csv"] = _write(
        out / "rels_mentions.csv",
        [":START_ID(Paper)", ":END_ID(Entity)", "count:int", ":TYPE"],
        [[p.id, e, n, "MENTIONS"] for p in snap.papers for e, n in p.mentions],
    )
    f["rels_wrote.csv"] = _write(
        out / "rels_wrote.csv",
        [":START_ID(Author)", ":END_ID(Paper)", "position:int", ":TYPE"],
        sorted([a, p.id, i, "WROTE"] for p in snap.papers for i, a in enumerate(p.authors)),
    )
    f["rels_in_category.csv"] = _write(
        out / "rels_in_category.csv",
        [":START_ID(Paper)", ":END_ID(Category)", ":TYPE"],
        [[p.id, c, "IN_CATEGORY"] for p in snap.papers for c in p.categories],
    )
    f["rels_cites.csv"] = _write(
        out / "rels_cites.csv",
        [":START_ID(Paper)", ":END_ID(Paper)", ":TYPE"],
        [[p.id, q, "CITES"] for p in snap.papers for q in sorted(p.cites + p.cites_external)],
    )
    f["rels_entity_relations.csv"] = _write(
        out / "rels_entity_relations.csv",
        [":START_ID(Entity)", ":END_ID(Entity)", "count:int", "papers:string[]", ":TYPE"],
        [[r.head, r.tail, r.count, _array(r.papers), r.type] for r in snap.relations if r.type in REL_TYPES.values()],
    )
    report.seconds = time.perf_counter() - started
    return report
