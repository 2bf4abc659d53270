"""Tagging the catalog: every new or changed paper's title and abstract, in batches, replacing old output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from paperkg.graph.tagger.inference import get_tagger
from tqdm import tqdm

if TYPE_CHECKING:
    from paperkg.catalog import Catalog


def tag_pending(
    catalog: Catalog,
    *,
    model_dir: Path | str | None = None,
    batch_size: int = 32,
    progress: bool = True,
    backend: str | None = None,
) -> dict[str, int]:
    """Tag every paper whose content changed since it was last tagged (or never was).

    Each batch is written in one transaction and each paper's previous mentions and relations are replaced,
    so a re-run leaves no duplicates and an interrupted run resumes where it stopped. Mention offsets are
    character offsets into `paper.text`. Returns counts of what this call wrote. `backend` picks the encoder
    ("auto", "torch" for exact fp32, "onnx-int8"; None: $PAPERKG_TAGGER_BACKEND, else "auto").
    """
    todo = catalog.tag_diff()
    counts = {"papers": 0, "mentions": 0, "relations": 0}
    if not todo:
        return counts
    tagger = get_tagger(model_dir, backend=backend)
    with tqdm(total=len(todo), desc="tagging", unit="paper", disable=not progress) as bar:
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            papers = catalog.papers_by_pk(chunk)
            hashes = catalog.hashes(chunk)
            present = [pk for pk in chunk if pk in papers and pk in hashes]  # deleted meanwhile: skip
            results = tagger.tag_texts([papers[pk].text for pk in present], batch_size=batch_size)
            with catalog.transaction():
                for pk, result in zip(present, results, strict=True):
                    m, r = catalog.replace_annotations(
                        pk, hashes[pk], tagger.version, result.mentions, result.relations
                    )
                    counts["mentions"] += m
                    counts["relations"] += r
            counts["papers"] += len(present)
            bar.update(len(chunk))
    return counts
