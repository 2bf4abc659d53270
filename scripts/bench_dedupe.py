"""Memory and time of duplicate detection on a large catalog: blocking through SQLite (the product) against
the earlier design that read every paper into a dict first, in the same run; with --vectors, the dense
neighbour pass at several IVF nprobe values.

    .venv/bin/python scripts/bench_dedupe.py [--papers 200000] [--planted 100] [--work DIR]
    .venv/bin/python scripts/bench_dedupe.py --vectors 300000 [--planted 1000] [--nprobe 4,8,16,32,0] [--work DIR]

Builds (or reuses, under --work) a catalog of N papers made from the bundled sample's real records, each
copy under a new id with its title numbered, plus `--planted` publisher copies (same title and authors under a
`pdf:` id, the case `paperkg duplicates` exists for). Each design then runs in a fresh subprocess without the
dense index (`use_vectors=False`: blocking and judging only), and the script prints its peak RSS, wall time and
the pairs found. Both must find exactly the planted pairs. The CPU is printed beside the figures.

--vectors N: no real collection of that size can be embedded here, so it is grown as scripts/bench_faiss.py
grows its 1M collection (3,000 real arXiv abstracts embedded with paperkg's encoder, children = a real parent
plus covariance-shaped noise). `--planted` near copies are added: a random member plus noise scaled to a cosine
drawn uniformly from 0.95-0.995 (the band `duplicates` looks in: versions, a PDF against its arXiv record).
The product's IVF-SQ8 index is built over all of them and `dedupe.neighbour_pairs` runs at each nprobe (0 = the
index's own, the baseline): wall time, planted pairs found, and all pairs found against the baseline's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_faiss's collection generator
SAMPLE = ROOT / "data" / "sample" / "arxiv-sample.jsonl.gz"

CHILD = r"""
import json, resource, sys, time
from paperkg.catalog import open_catalog
from paperkg.settings import load_settings
design, home = sys.argv[1], sys.argv[2]
settings = load_settings(home, tagger=False)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
with open_catalog(settings.catalog_path, readonly=True) as cat:
    if design == "sqlite-blocking":
        from paperkg.dedupe import find_duplicates
        pairs = find_duplicates(cat, settings, use_vectors=False)
    else:
        sys.path.insert(0, sys.argv[3])
        from bench_dedupe import every_paper_in_memory
        pairs = every_paper_in_memory(cat)
wall = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"pairs": sorted((p.keep, p.drop) for p in pairs), "wall": wall, "peak_mb": peak / 1024,
                  "delta_mb": (peak - base) / 1024}))
"""


def every_paper_in_memory(catalog):  # noqa: ANN001, ANN201 - the design before (baseline of this benchmark)
    """Blocking as `find_duplicates` did before it moved to SQLite: every paper read into a dict first."""
    from paperkg.catalog.citation_match import compact_key
    from paperkg.dedupe import DuplicatePair, _doi, _preference, judge

    papers = {pk: p for pk, _h, p in catalog.iter_papers()}
    blocks: dict[str, list[int]] = {}
    for pk, p in papers.items():
        if doi := _doi(p):
            blocks.setdefault("doi:" + doi, []).append(pk)
        if key := compact_key(p.title):
            blocks.setdefault("title:" + key, []).append(pk)
    candidates = set()
    for members in blocks.values():
        if len(members) <= 50:
            candidates.update((min(a, b), max(a, b)) for a, b in combinations(members, 2))
    out = []
    for a, b in sorted(candidates):
        ev = judge(papers[a], papers[b], None)
        if ev.reasons:
            keep, drop = sorted((a, b), key=lambda pk: _preference(papers[pk], pk))
            out.append(DuplicatePair(papers[keep].id, papers[drop].id, papers[keep].title, papers[drop].title, ev))
    return out


def build(home: Path, n: int, planted: int) -> None:
    from paperkg.catalog import open_catalog
    from paperkg.records import Paper
    from tqdm import tqdm

    with gzip.open(SAMPLE, "rt") as fh:
        records = [json.loads(line) for line in fh]
    with open_catalog(home / "catalog.sqlite") as cat:
        if cat.count_papers() == n + planted:
            return
        batch = []
        for i in tqdm(range(n), desc="catalog", unit="paper"):
            r = records[i % len(records)]
            authors = [" ".join(a[::-1]).strip() for a in r.get("authors_parsed") or []]
            batch.append(
                Paper(
                    id=f"bench:{i}",
                    title=f"{r['title']} (part {i})",
                    abstract=r.get("abstract", ""),
                    authors=authors,
                    categories=(r.get("categories") or "").split(),
                    doi=f"10.5555/bench.{i}",  # unique: DOI keys are written, no false DOI blocks
                    source="bench",
                )
            )
            if i < planted:  # the publisher's copy of this paper
                batch.append(
                    Paper(id=f"pdf:{i:016x}", title=batch[-1].title.upper() + ".", authors=authors, source="pdf")
                )
            if len(batch) >= 5000:
                with cat.transaction():
                    cat.upsert_papers(batch)
                batch = []
        with cat.transaction():
            cat.upsert_papers(batch)


def near_copies(xb: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` members of xb and a copy of each at a cosine drawn from 0.95-0.995 (noise orthogonal to it)."""
    parents = rng.choice(len(xb), size=n, replace=False)
    v = xb[parents].astype(np.float64)
    noise = rng.standard_normal(v.shape)
    noise -= (noise * v).sum(axis=1, keepdims=True) * v  # orthogonal to the parent
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    cos = rng.uniform(0.95, 0.995, size=(n, 1))
    return parents, (cos * v + np.sqrt(1 - cos**2) * noise).astype(np.float32)


def vectors_bench(args: argparse.Namespace, work: Path) -> None:
    import faiss
    from bench_faiss import expand, real_vectors
    from paperkg.dedupe import COSINE_SAME, neighbour_pairs
    from paperkg.index.dense import DenseIndex, make_index

    base = real_vectors(3000, work / "real-3000.npy", 256)
    xb, _ = expand(base, args.vectors)
    parents, copies = near_copies(xb, args.planted, np.random.default_rng(7))
    xb = np.concatenate([xb, copies])
    planted = {(int(p), args.vectors + i) for i, p in enumerate(parents)}
    index = make_index("ivf-sq8", xb.shape[1], len(xb))
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    index.train(xb[rng.choice(len(xb), size=min(len(xb), 256 * index.nlist), replace=False)])
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(xb, np.arange(len(xb), dtype=np.int64))
    dense = DenseIndex(index, {"index_type": "ivf-sq8", "dim": xb.shape[1]})
    print(
        f"{len(xb):,} vectors ({args.planted} planted near copies, cosine 0.95-0.995), IVF-SQ8 nlist {index.nlist}, "
        f"own nprobe {index.nprobe}; built in {time.perf_counter() - t:.0f} s"
    )
    baseline: set[tuple[int, int]] | None = None
    base_wall = 0.0
    for nprobe in [int(x) for x in args.nprobe.split(",")]:
        t = time.perf_counter()
        pairs = set(neighbour_pairs(dense, nprobe=nprobe or None))
        wall = time.perf_counter() - t
        if baseline is None or nprobe == 0:
            baseline, base_wall = (pairs, wall) if nprobe == 0 else (baseline, base_wall)
        found = len(planted & pairs)
        line = f"nprobe {nprobe or index.nprobe:4d}: {wall:7.1f} s, planted found {found}/{len(planted)}"
        line += f", pairs >= {COSINE_SAME}: {len(pairs)}"
        if baseline is not None and nprobe != 0:
            line += f" ({len(pairs & baseline)}/{len(baseline)} of the baseline's)"
        if base_wall:
            line += f", time ratio to baseline {wall / base_wall:.3f}"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=200_000)
    parser.add_argument("--planted", type=int, default=100)
    parser.add_argument("--work", type=Path, default=None, help="keep the catalog here (reused when it matches)")
    parser.add_argument("--vectors", type=int, default=0, help="run the dense neighbour pass on N vectors instead")
    parser.add_argument("--nprobe", default="0,4,8,16,32", help="comma-separated; 0 = the index's own (baseline)")
    args = parser.parse_args()
    from paperkg.hostinfo import cpu_info

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-dedupe-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.vectors:
        print(cpu_info().describe())
        vectors_bench(args, work)
        return
    build(work, args.papers, args.planted)
    size = (work / "catalog.sqlite").stat().st_size / 2**20
    print(cpu_info().describe())
    print(f"{args.papers + args.planted:,} papers ({args.planted} planted publisher copies), catalog {size:.0f} MB")
    results = {}
    for design in ("every-paper-in-memory", "sqlite-blocking"):
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, design, str(work), str(Path(__file__).parent)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results[design] = r
        expected = sorted((f"bench:{i}", f"pdf:{i:016x}") for i in range(args.planted))
        found = [tuple(p) for p in r["pairs"]]
        status = "all planted pairs, nothing else" if found == expected else f"MISMATCH ({len(found)} pairs)"
        print(
            f"{design:22s} peak RSS {r['peak_mb']:7.0f} MB (+{r['delta_mb']:.0f} MB for the call)  "
            f"wall {r['wall']:6.1f} s  (process {time.perf_counter() - t:.1f} s)  {status}"
        )
    old, new = results["every-paper-in-memory"], results["sqlite-blocking"]
    print(
        f"ratio new/old: memory for the call {new['delta_mb'] / max(old['delta_mb'], 1):.2f}, "
        f"wall {new['wall'] / old['wall']:.2f}"
    )


if __name__ == "__main__":
    main()
