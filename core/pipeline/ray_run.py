"""Scale-out ingest on Ray Data: parse, tag and embed JSON-lines dumps on a cluster, write shards, merge them
locally.

    paperkg ingest --ray [--address ray://head:10001] dump.jsonl.gz

Ray runs the CPU-heavy, embarrassingly parallel stages (`map_batches`): JSON parsing into paper records,
SciERC tagging of title + abstract (one tagger per actor), then embedding with the same encoder spec as the
single-process path (the int8 ONNX model on CPU workers, fp16 torch on GPU workers). Each block is written as
a Parquet shard under `HOME/shards/<run>/`. The driver then merges the shards in order: papers into the
SQLite catalog (the single writer, in batched transactions), the tagger's mentions and relations of new or
changed papers, and their vectors into the FAISS index (`index.build.add_vectors`, the index stage's own dense
step). Then `run_ingest` runs on the driver for the inputs that are not JSON lines (OAI-PMH XML, PDFs) and for
every later stage (BM25, passages, graph), finding nothing left to tag or embed, so the result equals the
single-process run.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from paperkg.catalog import Catalog, QuarantineEntry
from paperkg.index.encoder import EncoderSpec
from paperkg.ingest.detect import detect, expand_inputs
from paperkg.ingest.jsonl import GZIP_MAGIC, parse_line
from paperkg.ingest.run import IngestSummary
from paperkg.pipeline.local import run_ingest
from paperkg.pipeline.result import PipelineResult, RaySummary
from paperkg.records import Paper
from paperkg.settings import Settings

EMBED_BATCH = 256
TAG_BATCH = 32


def parse_batch(batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
    """Lines -> paper JSON (or a quarantine reason), one output row per input line."""
    out: dict[str, list[Any]] = {"paper": [], "text": [], "error": [], "excerpt": []}
    for line in batch["text"]:
        item = parse_line(str(line).encode("utf-8"), 0)
        out["paper"].append(json.dumps(asdict(item.paper)) if item.paper is not None else "")
        out["text"].append(item.paper.text if item.paper is not None else "")
        out["error"].append(item.error or "")
        out["excerpt"].append(item.excerpt)
    return out


class Embedder:
    """A Ray actor holding one encoder; adds a `vector` column (empty for rows without a paper)."""

    def __init__(self, spec: EncoderSpec, batch_size: int) -> None:
        from paperkg.index.encoder import load_encoder

        self.encoder = load_encoder(spec)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        texts = [str(t) for t in batch["text"]]
        rows = [i for i, t in enumerate(texts) if t]
        vectors = np.zeros((len(texts), self.encoder.dim), dtype=np.float32)
        if rows:
            vectors[rows] = self.encoder.encode([texts[i] for i in rows], batch_size=self.batch_size)
        keep = [k for k in ("paper", "error", "excerpt", "tags") if k in batch]
        return {**{k: batch[k] for k in keep}, "vector": list(vectors)}


class Tagging:
    """A Ray actor holding one SciERC tagger; adds a `tags` column: the TagResult as JSON (empty without text)."""

    def __init__(self, model_dir: str | None, batch_size: int, backend: str | None = None) -> None:
        from paperkg.graph.tagger.inference import get_tagger

        self.tagger = get_tagger(model_dir, backend=backend)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        texts = [str(t) for t in batch["text"]]
        rows = [i for i, t in enumerate(texts) if t]
        tags = [""] * len(texts)
        if rows:
            results = self.tagger.tag_texts([texts[i] for i in rows], batch_size=self.batch_size)
            for i, result in zip(rows, results, strict=True):
                tags[i] = json.dumps(
                    {
                        "model": self.tagger.version,
                        "mentions": [asdict(m) for m in result.mentions],
                        "relations": [asdict(r) for r in result.relations],
                    }
                )
        return {**{k: batch[k] for k in batch}, "tags": tags}


def _is_jsonl(path: Path) -> bool:
    fmt, _reader = detect(path)
    return fmt == "json-lines"


def run_shards(
    files: list[Path],
    out_dir: Path,
    spec: EncoderSpec | None,
    *,
    address: str | None,
    workers: int | None,
    tag: bool = False,
    tagger_model: str | None = None,
    tagger_backend: str | None = None,
) -> list[Path]:
    """The Ray Data pipeline: read lines -> parse -> (tag) -> (embed) -> Parquet shards, in input order."""
    import ray

    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # shards come back in input order: later versions win as usual
    gz = [f for f in files if f.open("rb").read(2) == GZIP_MAGIC]
    plain = [f for f in files if f not in gz]
    datasets = []
    if plain:
        datasets.append(ray.data.read_text([str(f) for f in plain]))
    if gz:
        args = {"compression": "gzip"}
        datasets.append(ray.data.read_text([str(f) for f in gz], arrow_open_stream_args=args))
    ds = datasets[0] if len(datasets) == 1 else datasets[0].union(*datasets[1:])
    ds = ds.map_batches(parse_batch, batch_format="numpy", batch_size=2048)
    concurrency = workers or max(1, int(ray.cluster_resources().get("CPU", 1)) // 2)
    if tag:
        ds = ds.map_batches(
            Tagging,
            fn_constructor_args=(tagger_model, TAG_BATCH, tagger_backend),
            batch_size=512,
            batch_format="numpy",
            concurrency=concurrency,
        )
    if spec is not None:
        gpu = 1 if spec.device == "cuda" else 0
        ds = ds.map_batches(
            Embedder,
            fn_constructor_args=(spec, EMBED_BATCH),
            batch_size=2048,
            batch_format="numpy",
            concurrency=concurrency,
            num_gpus=gpu,
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    ds.write_parquet(str(out_dir))
    return sorted(out_dir.glob("*.parquet"))


def merge_shards(catalog: Catalog, shards: list[Path]) -> IngestSummary:
    """Shards -> catalog, one transaction per shard: the papers, and the lines that failed to parse."""
    import pyarrow.parquet as pq

    summary = IngestSummary()
    for shard in shards:
        table = pq.read_table(shard, columns=["paper", "error", "excerpt"]).to_pydict()
        papers = [Paper(**json.loads(p)) for p in table["paper"] if p]
        bad = [
            QuarantineEntry(str(shard.name), "ray", err, exc)
            for err, exc in zip(table["error"], table["excerpt"], strict=True)
            if err
        ]
        with catalog.transaction():
            c = catalog.upsert_papers(papers)
            quarantined = catalog.quarantine(bad) if bad else 0
        summary += IngestSummary(new=c.new, updated=c.updated, unchanged=c.unchanged, quarantined=quarantined)
    return summary


def merge_tags(catalog: Catalog, shards: list[Path]) -> int:
    """Mentions and relations from the shards for papers that need tagging, when tagged from the same content
    (a record repeated in the dump with other content is left to the driver's `tag_pending`)."""
    import pyarrow.parquet as pq

    wanted = set(catalog.tag_diff())
    done = 0
    for shard in shards:
        table = pq.read_table(shard, columns=["paper", "tags"]).to_pydict()
        rows = []
        for paper_json, tags in zip(table["paper"], table["tags"], strict=True):
            if not paper_json or not tags:
                continue
            paper = Paper(**json.loads(paper_json))
            pk = catalog.paper_pk(paper.id)
            if pk in wanted:
                rows.append((pk, paper.content_hash(), json.loads(tags)))
        if not rows:
            continue
        current = catalog.hashes([pk for pk, _h, _t in rows])
        with catalog.transaction():
            for pk, content_hash, tags in rows:
                if pk in wanted and current.get(pk) == content_hash:
                    wanted.discard(pk)
                    catalog.replace_annotations(
                        pk,
                        content_hash,
                        tags["model"],
                        [SimpleNamespace(**m) for m in tags["mentions"]],
                        [SimpleNamespace(**r) for r in tags["relations"]],
                    )
                    done += 1
    return done


def shard_vectors(catalog: Catalog, shards: list[Path]) -> Iterator[tuple[list[int], list[str], np.ndarray]]:
    """Per shard: (paper keys, the content hash each vector was made from, vectors), for `add_vectors`."""
    import pyarrow.parquet as pq

    for shard in shards:
        table = pq.read_table(shard, columns=["paper", "vector"]).to_pydict()
        pks: list[int] = []
        hashes: list[str] = []
        vectors = []
        for paper_json, vector in zip(table["paper"], table["vector"], strict=True):
            if not paper_json:
                continue
            paper = Paper(**json.loads(paper_json))
            pk = catalog.paper_pk(paper.id)
            if pk is not None:
                pks.append(pk)
                hashes.append(paper.content_hash())
                vectors.append(vector)
        if pks:
            yield pks, hashes, np.asarray(vectors, dtype=np.float32)


def ray_ingest(
    catalog: Catalog,
    settings: Settings,
    paths: list[Path],
    *,
    address: str | None = None,
    workers: int | None = None,
    index: bool = True,
    tagger: bool | None = None,
    graph: bool = True,
    progress: bool = True,
    keep_shards: bool = False,
) -> PipelineResult:
    """`run_ingest` with JSON-lines inputs parsed, tagged and embedded on Ray; the same stages and result."""
    from paperkg.index.build import add_vectors
    from paperkg.index.encoder import spec_from_settings

    started = time.perf_counter()
    files = expand_inputs([Path(p) for p in paths])
    ray_files = [f for f in files if _is_jsonl(f)]
    other = [f for f in files if f not in ray_files]
    spec = spec_from_settings(settings) if index else None
    use_tagger = settings.tagger if tagger is None else tagger
    run_dir = settings.home / "shards" / time.strftime("run-%Y%m%dT%H%M%S")
    merged, tagged, embedded = IngestSummary(), 0, 0
    if ray_files:
        shards = run_shards(
            ray_files,
            run_dir,
            spec,
            address=address,
            workers=workers,
            tag=use_tagger,
            tagger_model=settings.tagger_model,
            tagger_backend=settings.tagger_backend,
        )
        merged = merge_shards(catalog, shards) + IngestSummary(files=len(ray_files))
        if use_tagger:
            tagged = merge_tags(catalog, shards)
        if spec is not None:
            embedded = add_vectors(catalog, settings, shard_vectors(catalog, shards))
        with catalog.transaction():
            for f in ray_files:
                st = f.stat()
                catalog.set_checkpoint(str(f.resolve()), f"{st.st_size}:{st.st_mtime_ns}", 0, True)
            catalog.match_citations()
        if not keep_shards:
            shutil.rmtree(run_dir, ignore_errors=True)
    # the other inputs, then every later stage: the same code as the local run
    rest = run_ingest(catalog, settings, other, index=index, tagger=tagger, graph=graph, progress=progress)
    ray_summary = RaySummary(len(ray_files), embedded, tagged, time.perf_counter() - started)
    return PipelineResult(rest.ingest + merged, rest.index, rest.tagger, rest.graph, ray_summary)
