"""`paperkg eval retrieval`: a BEIR corpus ingested and indexed through the pipeline, then scored by real searches."""

from __future__ import annotations

import tempfile
from pathlib import Path

from paperkg.catalog import open_catalog
from paperkg.errors import BadInput
from paperkg.pipeline.local import run_ingest
from paperkg.settings import Settings


def evaluate_retrieval(
    folder: Path,
    settings: Settings,
    *,
    modes: list[str],
    split: str = "test",
    progress: bool = True,
    home: Path | None = None,
) -> dict[str, dict[str, float]]:
    """Ingest the corpus into a temporary home (or `home`), index it, run every query, score each mode."""
    from paperkg.index.evaluate import evaluate_runs, read_beir
    from paperkg.index.search import Searcher

    folder = Path(folder)
    qrels, queries = read_beir(folder, split)
    with tempfile.TemporaryDirectory(prefix="paperkg-eval-") as tmp:
        run_settings = settings.model_copy(update={"home": Path(home or tmp)})
        with open_catalog(run_settings.catalog_path) as catalog:
            corpus = folder / "corpus.jsonl"
            result = run_ingest(catalog, run_settings, [corpus], tagger=False, graph=False, progress=progress)
            if result.failed:
                raise BadInput(f"{corpus}: " + "; ".join(result.ingest.failed))
            return evaluate_runs(Searcher(run_settings, catalog), qrels, queries, modes, progress=progress)
