"""Fine-tuning the tagger on SciERC train, picking the epoch on dev, writing the artifact and a report."""

from __future__ import annotations

import json
import logging
import platform
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from paperkg.artifacts import atomic_write_text
from paperkg.graph.tagger.artifact import build_model, default_model_dir, load_base, save_artifact
from paperkg.graph.tagger.batching import build_pairs, enumerate_spans
from paperkg.graph.tagger.calibrate import calibrate_artifact
from paperkg.graph.tagger.data import ENTITY_TYPES, RELATION_TYPES, Document, default_data_dir, read_scierc
from paperkg.graph.tagger.inference import Tagger
from paperkg.graph.tagger.model import SpanRelModel, featurize
from paperkg.graph.tagger.scoring import score_documents
from torch import nn

log = logging.getLogger(__name__)
ENT_INDEX = {t: i + 1 for i, t in enumerate(ENTITY_TYPES)}
REL_INDEX = {t: i + 1 for i, t in enumerate(RELATION_TYPES)}


@dataclass(slots=True)
class TrainConfig:
    epochs: int = 8
    batch_docs: int = 4
    lr_encoder: float = 1e-4
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.1
    seed: int = 13
    eval_from: int = 3  # first epoch scored on dev (earlier ones are never the best)
    max_width: int = 10
    width_dim: int = 32
    type_dim: int = 32
    hidden: int = 384
    pair_dim: int = 256
    dropout: float = 0.2
    window: int = 512
    threads: int = 2
    limit_docs: int | None = None  # tests: train on the first N documents only
    max_steps: int | None = None  # tests: stop after N optimizer steps

    def hparams(self) -> dict[str, Any]:
        keys = ("max_width", "width_dim", "type_dim", "hidden", "pair_dim", "dropout", "window")
        return {k: getattr(self, k) for k in keys}


def batch_loss(model: SpanRelModel, tokenizer, docs: list[Document]) -> tuple[torch.Tensor, dict[str, float]]:
    feats = featurize(tokenizer, [[s.words for s in d.sentences] for d in docs])
    tokens, offsets = model.encode(feats)
    spans = enumerate_spans(feats, offsets, model.max_width)
    gold = {
        (d, s, a, b): ENT_INDEX[t]
        for d, doc in enumerate(docs)
        for s, sent in enumerate(doc.sentences)
        for a, b, t in sent.entities
    }
    labels = torch.tensor([gold.get(w, 0) for w in spans.where], dtype=torch.long)
    vecs = model.span_repr(tokens, spans.starts, spans.ends, spans.widths)
    # summed over spans and divided by the number of gold entities (not averaged over all ~25x more spans):
    # with a mean, the few entity spans are drowned out and the relation loss dominates the shared encoder
    ner_loss = nn.functional.cross_entropy(model.ner_logits(vecs), labels, reduction="sum") / max(
        1, int((labels > 0).sum())
    )
    # relations are learned on gold entities (with gold types); inference pairs the predicted ones
    ents = [[sorted({(a, b) for a, b, _ in sent.entities}) for sent in doc.sentences] for doc in docs]
    types = [[{(a, b): ENT_INDEX[t] for a, b, t in sent.entities} for sent in doc.sentences] for doc in docs]
    pairs = build_pairs(feats, offsets, ents)
    stats = {"ner": float(ner_loss.detach())}
    if not pairs.where:
        return ner_loss, stats
    rel_gold = {
        (d, s, (a, b), (c, e)): REL_INDEX[t]
        for d, doc in enumerate(docs)
        for s, sent in enumerate(doc.sentences)
        for a, b, c, e, t in sent.relations
    }
    rel_labels = torch.tensor(
        [rel_gold.get((d, s, ents[d][s][h], ents[d][s][t]), 0) for d, s, h, t in pairs.where],
        dtype=torch.long,
    )
    ht = torch.tensor([types[d][s][ents[d][s][h]] for d, s, h, _ in pairs.where], dtype=torch.long)
    tt = torch.tensor([types[d][s][ents[d][s][t]] for d, s, _, t in pairs.where], dtype=torch.long)
    hv = model.span_repr(tokens, pairs.head_start, pairs.head_end, pairs.head_width)
    tv = model.span_repr(tokens, pairs.tail_start, pairs.tail_end, pairs.tail_width)
    rel_loss = nn.functional.cross_entropy(
        model.rel_logits(tokens, hv, tv, ht, tt, pairs.between), rel_labels, reduction="sum"
    ) / max(1, int((rel_labels > 0).sum()))
    stats["rel"] = float(rel_loss.detach())
    return ner_loss + rel_loss, stats


def evaluate(tagger: Tagger, docs: list[Document]) -> dict:
    preds = tagger.predict_sentences([[s.words for s in d.sentences] for d in docs])
    return score_documents(docs, preds).summary()


def _optimizer(model: SpanRelModel, cfg: TrainConfig) -> torch.optim.Optimizer:
    groups: dict[tuple[float, float], list[nn.Parameter]] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        lr = cfg.lr_encoder if name.startswith("encoder.") else cfg.lr_heads
        decay = 0.0 if name.endswith("bias") or "LayerNorm" in name or "norm" in name else cfg.weight_decay
        groups.setdefault((lr, decay), []).append(p)
    return torch.optim.AdamW([{"params": ps, "lr": lr, "weight_decay": wd} for (lr, wd), ps in groups.items()])


def train(
    data_dir: Path | str | None = None,
    out_dir: Path | str | None = None,
    cfg: TrainConfig | None = None,
    *,
    progress: bool = True,
) -> dict:
    """Train on data_dir/train.json, pick the best epoch on data_dir/dev.json, write the artifact."""
    cfg = cfg or TrainConfig()
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    out_dir = Path(out_dir) if out_dir else default_model_dir()
    torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    train_docs = read_scierc(data_dir / "train.json")[: cfg.limit_docs]
    dev_docs = read_scierc(data_dir / "dev.json")[: cfg.limit_docs]

    encoder, tokenizer = load_base()
    base_state = {k: v.detach().clone() for k, v in encoder.state_dict().items()}
    encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    model = build_model(encoder, cfg.hparams())
    optimizer = _optimizer(model, cfg)
    steps_per_epoch = (len(train_docs) + cfg.batch_docs - 1) // cfg.batch_docs
    total = steps_per_epoch * cfg.epochs if cfg.max_steps is None else min(cfg.max_steps, steps_per_epoch * cfg.epochs)
    warm = max(1, int(cfg.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    rng = random.Random(cfg.seed)
    tagger = Tagger(model, tokenizer, {"version": "training"})
    history: list[dict[str, Any]] = []
    best: tuple[float, int, dict] | None = None
    step, started = 0, time.time()
    version = f"scierc-minilm-span-{time.strftime('%Y%m%d')}-seed{cfg.seed}"

    def write(best_epoch: int, dev: dict) -> dict:
        # rewritten at every new best epoch, so an interrupted run still leaves the best so far
        minutes = round((time.time() - started) / 60, 2)
        config = {
            "version": version,
            "hparams": cfg.hparams(),
            "training": {
                **asdict(cfg),
                "best_epoch": best_epoch,
                "minutes": minutes,
                "steps": step,
                "train_docs": len(train_docs),
                "torch": torch.__version__,
                "machine": platform.machine(),
            },
            "dev": {k: round(v, 4) for k, v in dev.items() if isinstance(v, float)},
        }
        save_artifact(model, base_state, out_dir, config)
        report = {
            "version": version,
            "best_epoch": best_epoch,
            "minutes": minutes,
            "dev": dev,
            "history": history,
            "config": asdict(cfg),
        }
        atomic_write_text(out_dir / "report.json", json.dumps(report, indent=2) + "\n")
        return report

    for epoch in range(1, cfg.epochs + 1):
        model.train()
        order = list(range(len(train_docs)))
        rng.shuffle(order)
        sums: dict[str, float] = {}
        for b in range(0, len(order), cfg.batch_docs):
            if step >= total:
                break
            loss, stats = batch_loss(model, tokenizer, [train_docs[i] for i in order[b : b + cfg.batch_docs]])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            sched.step()
            step += 1
            for k, v in stats.items():
                sums[k] = sums.get(k, 0.0) + v
        entry: dict[str, Any] = {
            "epoch": epoch,
            "step": step,
            "minutes": round((time.time() - started) / 60, 2),
            **{f"loss_{k}": round(v / steps_per_epoch, 4) for k, v in sums.items()},
        }
        history.append(entry)
        last = epoch == cfg.epochs or step >= total
        if epoch >= cfg.eval_from or last:
            dev = evaluate(tagger, dev_docs)
            entry.update({k: round(dev[k], 4) for k in ("ner_f1", "rel_f1", "rel_strict_f1")})
            selection = dev["ner_f1"] + dev["rel_strict_f1"]
            if best is None or selection > best[0]:
                best = (selection, epoch, dev)
                write(epoch, dev)
        if progress:
            log.warning("tagger train %s", json.dumps(entry))
        if last:
            break
    assert best is not None
    calibrated = calibrate_artifact(out_dir, dev_docs)
    return write_report_only(out_dir, history, started, calibrated)


def write_report_only(out_dir: Path, history: list, started: float, calibrated: dict) -> dict:
    """Final report: the best epoch's dev scores after calibration, and the full history."""
    path = out_dir / "report.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    report.update(calibrated)
    report["history"] = history
    report["total_minutes"] = round((time.time() - started) / 60, 2)
    atomic_write_text(path, json.dumps(report, indent=2) + "\n")
    return report
