"""index.build.add_vectors: the dense step for vectors made elsewhere (the Ray run's workers)."""

from __future__ import annotations

import numpy as np
from paperkg.catalog import open_catalog
from paperkg.index.build import add_vectors, dense_root, update_indexes
from paperkg.index.dense import DenseIndex
from paperkg.index.encoder import load_encoder, spec_from_settings
from paperkg.ingest.run import ingest_paths
from paperkg.settings import load_settings


def test_precomputed_vectors_are_published_and_only_the_rest_is_embedded(tmp_path, sample_lines) -> None:
    src = tmp_path / "slice.jsonl"
    src.write_bytes(b"".join(sample_lines[:12]))
    settings = load_settings(tmp_path / "home", tagger=False)
    with open_catalog(settings.catalog_path) as catalog:
        ingest_paths(catalog, [src], progress=False)
        rows = list(catalog.iter_papers())[:8]
        pks = [pk for pk, _h, _p in rows]
        hashes = [h for _pk, h, _p in rows]
        vectors = load_encoder(spec_from_settings(settings)).encode([p.text for _pk, _h, p in rows], batch_size=8)
        hashes[0] = "0" * len(hashes[0])  # made from another text than the catalog holds: not used
        other = vectors[::-1].copy()
        # the batches overlap (a record repeated in a dump): the first usable vector of a paper wins
        batches = [(pks[:4], hashes[:4], vectors[:4]), (pks[2:], hashes[2:], np.concatenate([other[4:6], vectors[4:]]))]
        assert add_vectors(catalog, settings, batches) == 7

        published = DenseIndex.load(dense_root(settings))
        assert sorted(published.all_ids().tolist()) == sorted(pks[1:])
        np.testing.assert_allclose(published.reconstruct(pks[1:]), vectors[1:], atol=1e-5)

        summary = update_indexes(catalog, settings, progress=False)  # the stale one and the 4 never given
        assert (summary.embedded, summary.dense_total) == (5, 12)
        assert float(np.dot(DenseIndex.load(dense_root(settings)).reconstruct([pks[0]])[0], vectors[0])) > 0.99
        assert update_indexes(catalog, settings, progress=False).embedded == 0
        assert add_vectors(catalog, settings, batches) == 0  # nothing lacking: nothing published
