"""Entity resolution: link every new tagger mention to a canonical entity, incrementally.

Only papers with unlinked mentions are read. A paper's own acronym definitions win for its mentions; elsewhere
an acronym resolves to its most often defined long form, and an acronym entity created before its definition
was seen is merged into the long form afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from paperkg.catalog import Catalog
from paperkg.graph.normalize import definitions_in_text, normalize, surface_forms

Progress = Callable[[int], None]


@dataclass(slots=True)
class ResolveReport:
    papers: int = 0
    mentions_linked: int = 0
    mentions_skipped: int = 0
    entities_merged: int = 0
    entities_deleted: int = 0
    entities: int = 0


def resolve_entities(catalog: Catalog, *, batch: int = 2000, progress: Progress | None = None) -> ResolveReport:
    """Link unlinked mentions to entities, merge acronyms, refresh the stats of every touched entity."""
    report = ResolveReport()
    pending = catalog.papers_with_unresolved_mentions()
    report.papers = len(pending)
    touched: set[int] = set()
    for start in range(0, len(pending), batch):
        chunk = pending[start : start + batch]
        with catalog.transaction():
            touched |= _resolve_chunk(catalog, chunk, report)
        if progress:
            progress(len(chunk))
    with catalog.transaction():
        report.entities_merged = _merge_acronyms(catalog, touched)
        # mentions deleted by a re-tag leave entities with stale counts or none at all
        touched |= set(catalog.stale_entities())
        report.entities_deleted = catalog.refresh_entities(sorted(touched), surfaces=surface_forms)
    report.entities = catalog.count_entities()
    return report


def _resolve_chunk(catalog: Catalog, pks: list[int], report: ResolveReport) -> set[int]:
    mentions = catalog.mentions_of_papers(pks)
    texts = catalog.paper_texts(pks)
    by_paper: dict[int, list] = defaultdict(list)
    for m in mentions:
        by_paper[m.paper_pk].append(m)
    linked_already = catalog.handled_mentions([m.pk for m in mentions])
    local_defs: dict[int, dict[str, str]] = {}
    new_defs: list[tuple[str, str]] = []
    for paper_pk, items in by_paper.items():
        defs = definitions_in_text(texts.get(paper_pk, ""), [(m.start, m.end, m.text) for m in items])
        local_defs[paper_pk] = dict(defs)
        if any(m.pk not in linked_already for m in items):
            new_defs += defs  # count a paper's definitions once, when it is first resolved
    catalog.add_acronyms(new_defs)
    table = catalog.acronym_table()
    wanted: list[tuple[int, str, int]] = []
    skipped: list[int] = []
    for m in mentions:
        if m.pk in linked_already:
            continue
        norm = normalize(m.text)
        key = norm.key
        if norm.acronym:
            key = local_defs.get(m.paper_pk, {}).get(norm.acronym) or table.get(norm.acronym) or key
        if not key:
            skipped.append(m.pk)
            continue
        wanted.append((m.pk, key, m.paper_pk))
    entity_pks = catalog.ensure_entities(key for _pk, key, _paper in wanted)
    catalog.link_mentions((pk, entity_pks[key], paper) for pk, key, paper in wanted)
    catalog.skip_mentions(skipped)
    report.mentions_linked += len(wanted)
    report.mentions_skipped += len(skipped)
    return set(entity_pks.values())


def _merge_acronyms(catalog: Catalog, touched: set[int]) -> int:
    """Fold standalone acronym entities ("cnn") into the long form most papers define for them."""
    table = catalog.acronym_table()
    if not table:
        return 0
    keys = catalog.entity_pks_by_key(list(table) + list(table.values()))
    merged = 0
    for acro, long_key in table.items():
        source, target = keys.get(acro), keys.get(long_key)
        if source is not None and target is not None and source != target:
            catalog.merge_entity(source, target)
            touched.discard(source)
            touched.add(target)
            merged += 1
    return merged
