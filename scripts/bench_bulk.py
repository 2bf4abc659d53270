"""Bulk-ingest benchmark: per-stage time and peak RSS on a large dump built from real arXiv records.

    .venv/bin/python scripts/bench_bulk.py [--records 100000] [--embed-sample 1000] [--tag-sample 300]

The dump: every real record at hand (../shared/data/arxiv/abstracts: Doragd daily files and shiyibihua
monthly files, plus the bundled sample), written in the Kaggle snapshot schema; to reach --records they are
repeated with distinct ids (`<id>` then `bulkK-<id>` for the K-th repeat). Texts repeat, ids do not. Stages
measured in this process: parse + catalog writes (`ingest_paths`), BM25 build from the catalog (streaming),
embedding of --embed-sample papers and tagging of --tag-sample papers (rates, then extrapolated to the whole
dump), FAISS add. Peak RSS is the process maximum.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from paperkg.hostinfo import cpu_info  # the CPU the figures come from

ROOT = Path(__file__).resolve().parents[1]
ABSTRACTS = ROOT.parent / "shared" / "data" / "arxiv" / "abstracts"
SAMPLE = ROOT / "data" / "sample" / "arxiv-sample.jsonl.gz"


def real_records() -> list[dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for f in sorted(ABSTRACTS.glob("Doragd*/paperBotV2/arxiv_daily/data/*.json.gz")):
        for key, r in json.loads(gzip.open(f).read()).items():
            rid = str(r.get("arxiv_id") or key).split("v")[0]
            out[rid] = {
                "id": rid,
                "title": r["title"],
                "abstract": r["ori_summary"],
                "authors": r["authors"],
                "categories": str(r["categories"]).replace(",", " "),
                "update_date": None,
                "versions": [],
            }
    for f in sorted(ABSTRACTS.glob("shiyibihua*/data/*/arxiv.json")):
        for r in json.loads(f.read_text(encoding="utf-8")).get("papers", []):
            rid = str(r["arxiv_id"]).rsplit("v", 1)[0]
            out[rid] = {
                "id": rid,
                "title": r["title"],
                "abstract": r["summary"],
                "authors": ", ".join(r["authors"]),
                "categories": " ".join(r["categories"]),
                "update_date": None,
                "versions": [],
            }
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out[r["id"]] = r
    return list(out.values())


def make_dump(path: Path, n: int) -> int:
    records = real_records()
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            r = dict(records[i % len(records)])
            k = i // len(records)
            if k:
                r["id"] = f"bulk{k}-{r['id']}"
            fh.write(json.dumps(r) + "\n")
    return len(records)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sampled(count: int, seconds: float, records: int, **about: object) -> dict[str, object]:
    """A stage timed on a sample: its rate, extrapolated to every record, and the process's peak RSS so far."""
    return {
        "seconds_sample": round(seconds, 1),
        "per_s": round(count / seconds, 2),
        "extrapolated_seconds": round(records * seconds / count),
        **about,
        "peak_rss_mib": round(rss_mib()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--embed-sample", type=int, default=1000)
    ap.add_argument("--tag-sample", type=int, default=0, help="also tag this many papers (rate, extrapolated)")
    ap.add_argument(
        "--warm-up",
        type=int,
        default=200,
        help="papers (not in the sample) encoded and tagged before timing: OpenVINO compiles kernels for each new "
        "input shape on first sight, a one-off cost that a 100k run pays once per shape, not per paper",
    )
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    from paperkg.catalog import open_catalog
    from paperkg.index.build import lexical_root
    from paperkg.index.dense import DenseIndex
    from paperkg.index.encoder import load_encoder, spec_from_settings
    from paperkg.index.lexical import LexicalIndex, document_text
    from paperkg.ingest.run import ingest_paths
    from paperkg.settings import load_settings

    work = args.work or Path(tempfile.mkdtemp(prefix="paperkg-bulk-"))
    work.mkdir(parents=True, exist_ok=True)
    dump = work / "dump.jsonl"
    t = time.perf_counter()
    unique = make_dump(dump, args.records)
    report: dict[str, object] = {
        "records": args.records,
        "unique_real_records": unique,
        "dump_mb": round(dump.stat().st_size / 2**20, 1),
        "make_dump_s": round(time.perf_counter() - t, 1),
    }
    stages: dict[str, dict[str, float]] = {}
    settings = load_settings(work / "home", tagger=False)
    with open_catalog(settings.catalog_path) as catalog:
        t = time.perf_counter()
        summary = ingest_paths(catalog, [dump], batch=settings.ingest_batch, progress=False)
        dt = time.perf_counter() - t
        stages["parse+catalog"] = {
            "seconds": round(dt, 1),
            "per_s": round(args.records / dt, 1),
            "peak_rss_mib": round(rss_mib()),
        }
        report["ingest"] = {"new": summary.new, "quarantined": summary.quarantined}
        t = time.perf_counter()
        docs = ((pk, document_text(p.title, p.abstract)) for pk, _h, p in catalog.iter_papers())
        lexical = LexicalIndex.build(docs)
        lexical.save(lexical_root(settings))
        dt = time.perf_counter() - t
        stages["bm25"] = {
            "seconds": round(dt, 1),
            "per_s": round(args.records / dt, 1),
            "peak_rss_mib": round(rss_mib()),
        }
        del lexical
        spec = spec_from_settings(settings)
        encoder = load_encoder(spec)
        sample, warm = [], []  # warm: other papers, run first and not timed (see --warm-up)
        for pk, _h, p in catalog.iter_papers():
            (sample if len(sample) < args.embed_sample else warm).append((pk, p.text))
            if len(warm) >= args.warm_up:
                break
        encoder.encode([s for _pk, s in warm], batch_size=settings.batch_size)
        t = time.perf_counter()
        vectors = encoder.encode([s for _pk, s in sample], batch_size=settings.batch_size)
        dt = time.perf_counter() - t
        stages["embed"] = sampled(len(sample), dt, args.records, backend=spec.backend)
        t = time.perf_counter()
        dense = DenseIndex.empty(encoder.dim, spec.describe())
        dense.add([pk for pk, _ in sample], vectors)
        stages["faiss_add"] = {"seconds_sample": round(time.perf_counter() - t, 3)}
        if args.tag_sample:
            from paperkg.graph.tagger.inference import get_tagger

            tagger = get_tagger(None)
            texts = [s for _pk, s in sample[: args.tag_sample]]
            tagger.tag_texts([s for _pk, s in warm] or texts[:8], batch_size=32)  # set-up is not the rate
            t = time.perf_counter()
            tagger.tag_texts(texts, batch_size=32)
            dt = time.perf_counter() - t
            stages["tag"] = sampled(len(texts), dt, args.records, model=tagger.version)
    measured = stages["parse+catalog"]["seconds"] + stages["bm25"]["seconds"]
    extrapolated = stages["embed"]["extrapolated_seconds"] + stages.get("tag", {}).get("extrapolated_seconds", 0)
    report["total_without_graph_s"] = round(measured + extrapolated)
    report["note"] = (
        "parse+catalog and bm25 measured on all records; embed (and tag) extrapolated from the sample rate; "
        "the graph build is measured by scripts/bench_graph.py"
    )
    report["stages"] = stages
    report["peak_rss_mib"] = round(rss_mib())
    report["host"] = cpu_info().to_dict()
    print(cpu_info().describe(), file=sys.stderr)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
