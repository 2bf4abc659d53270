"""Tagging the catalog: every new or changed paper's title and abstract, in batches, replacing old output."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperkg.graph.tagger.inference import get_tagger
from tqdm import tqdm

log = logging.getLogger(__name__)
STAGE = "tagger"

if TYPE_CHECKING:
    from paperkg.catalog import Catalog


@dataclass(frozen=True, slots=True)
class TagSummary:
    """What one tagging run wrote: papers tagged, their mentions and relations, papers that failed."""

    papers: int = 0
    mentions: int = 0
    relations: int = 0
    failed: int = 0


def tag_pending(
    catalog: Catalog,
    *,
    model_dir: Path | str | None = None,
    batch_size: int = 32,
    progress: bool = True,
    backend: str | None = None,
) -> TagSummary:
    """Tag every paper whose content changed since it was last tagged (or never was).

    Each batch is written in one transaction and each paper's previous mentions and relations are replaced,
    so a re-run leaves no duplicates and an interrupted run resumes where it stopped. Mention offsets are
    character offsets into `paper.text`. Returns what this call wrote. `backend` picks the encoder
    ("auto", "torch" for exact fp32, "onnx-int8"; None: $PAPERKG_TAGGER_BACKEND, else "auto").
    """
    failed = catalog.failed_pks(STAGE)
    todo = [pk for pk in catalog.tag_diff() if pk not in failed]  # a failed paper waits for a change
    counts = {"papers": 0, "mentions": 0, "relations": 0, "failed": 0}
    if not todo:
        return TagSummary()
    tagger = get_tagger(model_dir, backend=backend)
    with tqdm(total=len(todo), desc="tagging", unit="paper", disable=not progress) as bar:
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            papers = catalog.papers_by_pk(chunk)
            hashes = catalog.hashes(chunk)
            present = [pk for pk in chunk if pk in papers and pk in hashes]  # deleted meanwhile: skip
            results, errors = _tag_isolated(tagger, [papers[pk].text for pk in present], batch_size)
            with catalog.transaction():
                for pk, error in zip(present, errors, strict=True):
                    if error is not None:
                        catalog.record_failure(STAGE, pk, hashes[pk], error)
                        counts["failed"] += 1
                        log.warning("tagger: paper %s failed: %s", papers[pk].id, error)
                done = [pk for pk, error in zip(present, errors, strict=True) if error is None]
                catalog.clear_failures(STAGE, done)
                for pk, result in zip(present, results, strict=True):
                    if result is None:
                        continue
                    m, r = catalog.replace_annotations(
                        pk, hashes[pk], tagger.version, result.mentions, result.relations
                    )
                    counts["mentions"] += m
                    counts["relations"] += r
            counts["papers"] += len(done)
            bar.update(len(chunk))
    return TagSummary(**counts)


def _tag_isolated(tagger, texts: list[str], batch_size: int) -> tuple[list, list[str | None]]:  # noqa: ANN001
    """Tag a batch; when it fails, tag its texts one by one so only the paper that fails is left out.
    (e.g. spaCy's E088 on a text over its max_length, or an encoder error on odd input)."""
    try:
        return list(tagger.tag_texts(texts, batch_size=batch_size)), [None] * len(texts)
    except Exception:  # noqa: BLE001
        pass
    results: list = []
    errors: list[str | None] = []
    for text in texts:
        try:
            (result,) = tagger.tag_texts([text], batch_size=1)
            results.append(result)
            errors.append(None)
        except Exception as exc:  # noqa: BLE001
            results.append(None)
            errors.append(f"{type(exc).__name__}: {exc}"[:500])
    return results, errors
