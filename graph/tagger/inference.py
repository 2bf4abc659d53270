"""Running the trained tagger: word-level predictions for tokenized sentences, character-level for text."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import torch
from paperkg.errors import ConfigError
from paperkg.graph.tagger.artifact import load_artifact
from paperkg.graph.tagger.batching import build_pairs, span_index
from paperkg.graph.tagger.data import ENTITY_TYPES, RELATION_TYPES
from paperkg.graph.tagger.model import EncoderFn, SpanRelModel, featurize

log = logging.getLogger(__name__)

# encoder backends: "torch" is the exact fp32 network; "onnx-int8" the same fine-tuned encoder exported to
# ONNX with int8 weights (fast_encoder.py); "openvino-int8" an NNCF static-int8 OpenVINO model and
# "openvino-bf16" the fp32 encoder run by OpenVINO in bf16 (openvino_encoder.py), all built locally.
# "auto" tries the candidates of backend_choice.tagger_choice in order (openvino-bf16 on hosts with bf16 dot
# products: AMX or AVX-512 BF16; openvino-int8 on VNNI/AMX hosts), keeping the first that builds and passes the
# host gate, else torch.
# Chosen per call or by $PAPERKG_TAGGER_BACKEND.
BACKENDS = ("auto", "torch", "onnx-int8", "openvino-int8", "openvino-bf16")
BACKEND_ENV = "PAPERKG_TAGGER_BACKEND"
# padded pieces per encoder call: windows are sorted by length and grouped up to this budget. The int8
# sessions are fastest one abstract at a time (no padding at all); torch gains from small groups, and so does
# bf16 on AMX (2,048 vs 512 pieces: 36.0 vs 31.6 abstracts/s on a 2-core Xeon; int8 there: 33.3 vs 32.7).
MAX_TOKENS = {"torch": 4096, "onnx-int8": 512, "openvino-int8": 512, "openvino-bf16": 2048}

# spans and pairs are formed within a sentence; a run-on "sentence" (no punctuation) is cut into pieces
# of this many words so the number of pairs stays bounded (the encoder still sees the whole text)
MAX_SENTENCE_WORDS = 96
MAX_PAIR_ENTITIES = 48  # SciERC sentences hold at most ~20 entities


@dataclass(slots=True)
class SentencePrediction:
    entities: list[tuple[int, int, str, float]] = field(default_factory=list)  # local, inclusive end
    relations: list[tuple[int, int, str, float]] = field(default_factory=list)  # (head idx, tail idx, ...)


@dataclass(slots=True)
class Mention:
    start: int  # character offsets into the tagged text, end exclusive
    end: int
    text: str
    type: str
    score: float
    sentence: int


@dataclass(slots=True)
class RelationMention:
    head: int  # index into TagResult.mentions
    tail: int
    type: str
    score: float
    sentence: int


@dataclass(slots=True)
class TagResult:
    text: str
    mentions: list[Mention] = field(default_factory=list)
    relations: list[RelationMention] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "mentions": [
                {
                    "start": m.start,
                    "end": m.end,
                    "text": m.text,
                    "type": m.type,
                    "score": round(m.score, 4),
                    "sentence": m.sentence,
                }
                for m in self.mentions
            ],
            "relations": [
                {
                    "head": r.head,
                    "tail": r.tail,
                    "head_text": self.mentions[r.head].text,
                    "tail_text": self.mentions[r.tail].text,
                    "type": r.type,
                    "score": round(r.score, 4),
                    "sentence": r.sentence,
                }
                for r in self.relations
            ],
        }


@dataclass(slots=True)
class Encoded:
    keep: list[int]  # which documents of the batch have words
    feats: list
    tokens: torch.Tensor
    offsets: list[int]


class Tagger:
    """Entity and relation extraction with a loaded artifact. Thread-safe for inference."""

    def __init__(
        self,
        model: SpanRelModel,
        tokenizer,
        config: dict,
        *,
        run: EncoderFn | None = None,
        backend: str = "torch",
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.config = config
        self.backend = backend  # "torch" (exact fp32) or an int8 backend (then `run` is its session)
        self._run = run
        self.max_tokens = MAX_TOKENS.get(backend, MAX_TOKENS["torch"])
        version = str(config.get("version", "unknown"))
        self.version = version if backend == "torch" else f"{version}+{backend}"
        self._lock = threading.Lock()
        self._nlp = None
        self.gate = None  # the host quality gate's result (gate.GateResult) when an int8 path was considered

    @classmethod
    def load(cls, model_dir: Path | str | None = None, *, backend: str | None = None) -> Tagger:
        """Load an artifact; backend None reads $PAPERKG_TAGGER_BACKEND (default "auto")."""
        choice = resolve_backend(backend)
        model, tokenizer, config = load_artifact(model_dir)
        exact = cls(model, tokenizer, config)
        if choice == "torch":
            return exact
        if choice == "auto":
            from paperkg.index.backend_choice import tagger_choice

            candidates = [c for c in tagger_choice().candidates if c != "torch"]
        else:
            candidates = [choice]
        # int8 kernels differ by CPU: each build is checked against fp32 on this host, once (gate.py)
        from paperkg.graph.tagger.gate import gate_artifact

        for k, name in enumerate(candidates):
            then = "trying the next backend" if k + 1 < len(candidates) else "using the exact fp32 path"
            try:
                path, run = _int8_runner(name, model, tokenizer, config)
            except Exception as exc:
                if choice != "auto":
                    raise RuntimeError(f"tagger backend {name} unavailable: {exc}") from exc
                log.warning("tagger: %s encoder unavailable (%s); %s", name, exc, then)
                continue
            fast = cls(model, tokenizer, config, run=run, backend=name)
            fast.gate = exact.gate = gate_artifact(path, exact, fast)
            if fast.gate is None or fast.gate.passed:
                return fast
            if choice != "auto":
                log.warning("tagger: %s; %s kept because it was asked for", fast.gate.notice(), name)
                return fast
            log.warning("tagger: %s %s; %s", name, fast.gate.notice(), then)
        return exact

    # -- word level ----------------------------------------------------------------------------------------
    @property
    def decoding(self) -> dict[str, float]:
        """Logit offsets against the "no entity" / "no relation" class, tuned on dev after training."""
        return {"ner_bias": 0.0, "rel_bias": 0.0, **self.config.get("decoding", {})}

    @torch.inference_mode()
    def predict_sentences(self, docs: list[list[list[str]]], *, batch_size: int = 16) -> list[list[SentencePrediction]]:
        """Predictions for documents given as sentences of words (sentence-local, inclusive word offsets)."""
        out: list[list[SentencePrediction]] = [[] for _ in docs]
        bias = self.decoding
        # documents of similar length share a batch (less padding); results go back in input order
        order = sorted(range(len(docs)), key=lambda d: sum(len(w) + 1 for s in docs[d] for w in s))
        for i in range(0, len(docs), batch_size):
            rows = order[i : i + batch_size]
            batch = [docs[d] for d in rows]
            preds = self.decode(batch, self.encode_batch(batch), bias["ner_bias"], bias["rel_bias"])
            for d, pred in zip(rows, preds, strict=True):
                out[d] = pred
        return out

    @torch.inference_mode()
    def encode_batch(self, docs: list[list[list[str]]]) -> Encoded:
        """Encoder pass for a batch (the expensive part); `decode` turns it into predictions."""
        keep = [d for d, doc in enumerate(docs) if any(doc)]
        if not keep:
            return Encoded(keep, [], torch.zeros(0), [])
        feats = featurize(self.tokenizer, [docs[d] for d in keep])
        with self._lock:
            was_training = self.model.training
            self.model.eval()
            try:
                tokens, offsets = self.model.encode(feats, run=self._run, max_tokens=self.max_tokens)
            finally:
                self.model.train(was_training)
        return Encoded(keep, feats, tokens, offsets)

    @torch.inference_mode()
    def decode(
        self, docs: list[list[list[str]]], enc: Encoded, ner_bias: float = 0.0, rel_bias: float = 0.0
    ) -> list[list[SentencePrediction]]:
        """Entities (argmax per span) and relations (argmax per ordered pair of predicted entities).

        A positive bias lowers the "none" logit, trading precision for recall; scores stay unbiased softmax.
        """
        model = self.model
        results = [[SentencePrediction() for _ in doc] for doc in docs]
        if not enc.keep:
            return results
        feats, tokens, offsets, keep = enc.feats, enc.tokens, enc.offsets, enc.keep
        with self._lock:
            was_training = model.training
            model.eval()
            try:
                spans = span_index(feats, offsets, model.max_width)
                logits = model.ner_logits_from_tokens(tokens, spans.starts, spans.ends, spans.widths)
                probs = logits.softmax(-1)
                logits[:, 0] -= ner_bias
                label = logits.argmax(-1)
                hits = (label > 0).nonzero().flatten()
                hit_labels = label[hits].tolist()
                hit_scores = probs[hits, label[hits]].tolist()
                found: list[list[list[tuple[int, int]]]] = [[[] for _ in f.sentence_bounds] for f in feats]
                found_types: list[list[list[int]]] = [[[] for _ in f.sentence_bounds] for f in feats]
                for (d, s, a, b), lab, sc in zip(
                    spans.where[hits.numpy()].tolist(), hit_labels, hit_scores, strict=True
                ):
                    found[d][s].append((a, b))
                    found_types[d][s].append(lab)
                    results[keep[d]][s].entities.append((a, b, ENTITY_TYPES[lab - 1], sc))
                # pairs grow quadratically: an untrained or confused model can predict hundreds of spans in
                # a sentence, so only the best-scoring MAX_PAIR_ENTITIES of a sentence are paired
                for d, sents in enumerate(found):
                    for s, ents in enumerate(sents):
                        if len(ents) > MAX_PAIR_ENTITIES:
                            scores = [e[3] for e in results[keep[d]][s].entities]
                            top = sorted(range(len(ents)), key=lambda i: -scores[i])[:MAX_PAIR_ENTITIES]
                            cut = set(top)
                            sents[s] = [e if i in cut else (-1, -1) for i, e in enumerate(ents)]
                pairs = build_pairs(feats, offsets, found)
                if not pairs.where:
                    return results
                ht = torch.tensor([found_types[d][s][h] for d, s, h, _ in pairs.where], dtype=torch.long)
                tt = torch.tensor([found_types[d][s][t] for d, s, _, t in pairs.where], dtype=torch.long)
                hv = model.span_repr(tokens, pairs.head_start, pairs.head_end, pairs.head_width)
                tv = model.span_repr(tokens, pairs.tail_start, pairs.tail_end, pairs.tail_width)
                rlogits = model.rel_logits(tokens, hv, tv, ht, tt, pairs.between)
            finally:
                model.train(was_training)
        rprobs = rlogits.softmax(-1)
        rlogits[:, 0] -= rel_bias
        rlabel = rlogits.argmax(-1)
        rscore = rprobs.gather(1, rlabel.unsqueeze(1)).squeeze(1)
        for k in (rlabel > 0).nonzero().flatten().tolist():
            d, s, h, t = pairs.where[k]
            results[keep[d]][s].relations.append((h, t, RELATION_TYPES[int(rlabel[k]) - 1], float(rscore[k])))
        return results

    # -- raw text ------------------------------------------------------------------------------------------
    def _splitter(self):
        if self._nlp is None:
            import spacy

            nlp = spacy.blank("en")
            nlp.add_pipe("sentencizer")
            self._nlp = nlp
        return self._nlp

    def tag_texts(self, texts: list[str], *, batch_size: int = 16) -> list[TagResult]:
        """Mentions (character offsets) and relations for each raw text; empty text gives an empty result."""
        clean = [t if isinstance(t, str) else "" for t in texts]
        docs = list(self._splitter().pipe(clean, batch_size=256))
        words_per_doc, tokens_per_doc, ids_per_doc = [], [], []
        for doc in docs:
            sents, toks, ids = split_words(doc)
            words_per_doc.append(sents)
            tokens_per_doc.append(toks)
            ids_per_doc.append(ids)
        preds = self.predict_sentences(words_per_doc, batch_size=batch_size)
        out = []
        for text, doc, toks, ids, pred in zip(clean, docs, tokens_per_doc, ids_per_doc, preds, strict=True):
            result = TagResult(text)
            for sent_toks, s, sp in zip(toks, ids, pred, strict=True):
                index = {}
                for j, (a, b, typ, sc) in enumerate(sp.entities):
                    start, end = doc[sent_toks[a]].idx, doc[sent_toks[b]].idx + len(doc[sent_toks[b]].text)
                    index[j] = len(result.mentions)
                    result.mentions.append(Mention(start, end, text[start:end], typ, sc, s))
                for h, t, typ, sc in sp.relations:
                    result.relations.append(RelationMention(index[h], index[t], typ, sc, s))
            out.append(result)
        return out


def split_words(doc) -> tuple[list[list[str]], list[list[int]], list[int]]:
    """Sentences of words (spaCy tokens without whitespace tokens), each word's token index in `doc`, and
    the spaCy sentence number of each (a run-on sentence gives several pieces with the same number)."""
    words, tokens, sent_ids = [], [], []
    sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
    for n, sent in enumerate(sents):
        toks = [t.i for t in sent if not t.is_space and t.text.strip()]
        for k in range(0, len(toks), MAX_SENTENCE_WORDS):
            chunk = toks[k : k + MAX_SENTENCE_WORDS]
            words.append([doc[i].text for i in chunk])
            tokens.append(chunk)
            sent_ids.append(n)
    return words, tokens, sent_ids


def _int8_runner(backend: str, model: SpanRelModel, tokenizer, config: dict) -> tuple[Path, EncoderFn]:
    """The int8 build for `backend` (built when missing) and the callable that runs it; raises when unusable."""
    if backend in ("openvino-int8", "openvino-bf16"):
        from paperkg.graph.tagger import openvino_encoder as module

        if not module.available():
            raise RuntimeError("openvino, nncf and onnx are not installed (pip install 'paperkg[fast]')")
        build = module.ensure_bf16_model if backend == "openvino-bf16" else module.ensure_model
        path = build(model, tokenizer, config)
        runner: Callable[[Path], EncoderFn] = partial(module.OpenVinoEncoder, precision=module.PRECISIONS.get(backend))
    else:
        from paperkg.graph.tagger import fast_encoder as module  # type: ignore[no-redef]

        if not module.available():
            raise RuntimeError("onnx and onnxruntime are not installed (pip install 'paperkg[fast]')")
        path = module.ensure_model(model.encoder, tokenizer, config)
        runner = module.OnnxEncoder
    if not module.is_valid(path):
        raise RuntimeError(f"{path} strays from the fp32 encoder beyond the accepted cosine")
    return path, runner(path)


def resolve_backend(backend: str | None = None) -> str:
    """The requested encoder backend: the argument, else $PAPERKG_TAGGER_BACKEND, else "auto"."""
    choice = (backend or os.environ.get(BACKEND_ENV) or "auto").strip().lower()
    if choice not in BACKENDS:
        raise ConfigError(f"tagger backend {choice!r}: expected one of {', '.join(BACKENDS)}")
    return choice


_CACHE: dict[tuple[str, str], Tagger] = {}
_CACHE_LOCK = threading.Lock()


def get_tagger(model_dir: Path | str | None = None, *, backend: str | None = None) -> Tagger:
    """The tagger for model_dir (default: the shipped artifact) and backend, loaded once per process."""
    key = (str(Path(model_dir).resolve()) if model_dir else "", resolve_backend(backend))
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = Tagger.load(model_dir, backend=key[1])
        return _CACHE[key]
