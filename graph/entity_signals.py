"""Entity signals of `related`: the cosine of two papers' specific-entity profiles and typed relation paths."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from paperkg.graph.build import KnowledgeGraph

# an entity in more than this share of the papers says nothing about relatedness ("model", "approach")
UBIQUITOUS_DF = 0.02


def entity_vectors(kg: KnowledgeGraph) -> sp.csr_matrix:
    """Papers x entities: (1 + log count) x idf over specific entities (in 2+ papers, at most 2 % of them),
    rows L2-normalised, so that a row product is the cosine of two papers' entity profiles."""
    return kg.memo("entity_vectors", lambda: _entity_vectors(kg))


def _entity_vectors(kg: KnowledgeGraph) -> sp.csr_matrix:
    df = kg.entity_df
    keep = (df >= 2) & (df <= max(2, UBIQUITOUS_DF * kg.n_papers))
    m = kg.mentions.copy().astype(np.float32)
    m.data = (1.0 + np.log(m.data)) * kg.entity_idf[m.indices] * keep[m.indices]
    m.eliminate_zeros()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(inv.astype(np.float32)) @ m)


def relation_neighbours(kg: KnowledgeGraph) -> sp.csr_matrix:
    """Entities x entities: 1 where a typed relation (either direction) links two specific entities."""

    def build() -> sp.csr_matrix:
        r = sp.csr_matrix((kg.relations > 0).astype(np.float32))
        return sp.csr_matrix(((r + r.T) > 0).astype(np.float32))

    return kg.memo("relation_neighbours", build)


def entity_features(kg: KnowledgeGraph, seed_rows: list[int], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of specific-entity profiles, and the idf-weighted count of relation edges from a seed's
    entities to the candidate's (seed -MENTIONS-> e1 -REL- e2 <-MENTIONS- candidate), both averaged over seeds."""
    ev = entity_vectors(kg)
    present = np.maximum(rows, 0)
    cand = ev[present]
    seeds = ev[seed_rows]
    ent = np.asarray((cand @ seeds.T).mean(axis=1)).ravel() if seeds.nnz else np.zeros(len(rows))
    rel_m = relation_neighbours(kg)
    reach = seeds @ rel_m  # seeds x entities: specific entities one relation away from a seed's entities
    reach.data = np.minimum(reach.data, 1.0)
    rel = np.asarray((cand @ reach.T).mean(axis=1)).ravel() if reach.nnz else np.zeros(len(rows))
    ent[rows < 0] = 0.0
    rel[rows < 0] = 0.0
    return ent.astype(np.float32), rel.astype(np.float32)
