"""The fast inference path: same function as the fp32 network, backend selection and fallback, int8 agreement."""

from __future__ import annotations

import pytest
import torch
from paperkg import encoding
from paperkg.graph.tagger import fast_encoder
from paperkg.graph.tagger.batching import enumerate_spans, span_index
from paperkg.graph.tagger.inference import BACKEND_ENV, Tagger, get_tagger, resolve_backend
from paperkg.graph.tagger.model import featurize

SENTENCES = [
    "We propose a novel SVM-based approach for text classification.",
    "The parser is evaluated on the Penn Treebank and outperforms a CRF baseline in labeled F1.",
    "Statistical machine translation systems use phrase tables learned from parallel corpora.",
    "We present a convolutional neural network for object detection in aerial images.",
    "Word embeddings trained on large corpora improve named entity recognition and part-of-speech tagging.",
]
needs_onnx = pytest.mark.skipif(not fast_encoder.available(), reason="onnx/onnxruntime not installed")


@pytest.fixture(scope="module")
def exact():
    return get_tagger(backend="torch")


def _docs(tagger, texts):
    from paperkg.graph.tagger.inference import split_words

    return [split_words(d)[0] for d in tagger._splitter().pipe(texts)]


def test_backend_from_argument_then_environment(monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert resolve_backend() == "auto"
    monkeypatch.setenv(BACKEND_ENV, "torch")
    assert resolve_backend() == "torch"
    assert resolve_backend("onnx-int8") == "onnx-int8"
    with pytest.raises(ValueError, match="backend"):
        resolve_backend("int4")


def test_exact_backend_is_fp32_torch(exact):
    assert exact.backend == "torch" and exact._run is None
    assert "+onnx" not in exact.version and exact.version == exact.config["version"]


def test_auto_falls_back_to_torch_without_onnx(monkeypatch):
    monkeypatch.setattr(fast_encoder, "available", lambda: False)
    monkeypatch.setattr(encoding, "openvino_installed", lambda: False)  # and without OpenVINO (a VNNI/AMX pick)
    assert Tagger.load(backend="auto").backend == "torch"
    with pytest.raises(RuntimeError, match="onnx-int8 unavailable"):
        Tagger.load(backend="onnx-int8")


def test_auto_falls_back_when_build_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(fast_encoder, "available", lambda: True)
    monkeypatch.setattr(encoding, "openvino_installed", lambda: False)
    monkeypatch.setattr(fast_encoder, "ensure_model", broken)
    assert Tagger.load(backend="auto").backend == "torch"


def test_cache_key_follows_the_weights(tmp_path):
    a = fast_encoder.artifact_path({"version": "v+aaaa", "base_sha256": "b"}, tmp_path)
    b = fast_encoder.artifact_path({"version": "v+bbbb", "base_sha256": "b"}, tmp_path)
    assert a != b and a.parent == tmp_path and a.name.endswith(".onnx")


def test_vectorised_spans_match_the_training_enumeration(exact):
    feats = featurize(exact.tokenizer, _docs(exact, [" ".join(SENTENCES), SENTENCES[0]]))
    offsets = [0, len(feats[0].ids)]
    ref = enumerate_spans(feats, offsets, exact.model.max_width)
    got = span_index(feats, offsets, exact.model.max_width)
    assert torch.equal(ref.starts, got.starts) and torch.equal(ref.ends, got.ends)
    assert torch.equal(ref.widths, got.widths)
    assert [tuple(w) for w in got.where.tolist()] == ref.where


def test_factored_span_head_equals_span_vectors_then_mlp(exact):
    model = exact.model
    feats = featurize(exact.tokenizer, _docs(exact, [" ".join(SENTENCES)]))
    with torch.inference_mode():
        tokens, offsets = model.encode(feats)
        spans = enumerate_spans(feats, offsets, model.max_width)
        ref = model.ner_logits(model.span_repr(tokens, spans.starts, spans.ends, spans.widths))
        got = model.ner_logits_from_tokens(tokens, spans.starts, spans.ends, spans.widths)
        chunked = model.ner_logits_from_tokens(tokens, spans.starts, spans.ends, spans.widths, chunk=37)
    assert torch.allclose(ref, got, atol=1e-4) and torch.allclose(got, chunked, atol=1e-5)
    assert torch.equal(ref.argmax(-1), got.argmax(-1))


def test_length_grouped_encoding_equals_one_padded_batch(exact):
    model = exact.model
    long_doc = [w for s in SENTENCES for w in s.split()] * 12  # > 510 pieces: several windows
    docs = [[s.split() for s in SENTENCES[:2]], [long_doc], [SENTENCES[4].split()]]
    feats = featurize(exact.tokenizer, docs)
    assert len(feats[1].ids) > 510
    with torch.inference_mode():
        ref, ref_off = model.encode(feats)
        got, got_off = model.encode(feats, max_tokens=600)
    assert ref_off == got_off and ref.shape == got.shape
    assert torch.allclose(ref, got, atol=1e-4)


def test_sorted_batches_keep_input_order(exact):
    texts = [SENTENCES[0], " ".join(SENTENCES), "", SENTENCES[3]]
    together = exact.tag_texts(texts, batch_size=2)
    alone = [exact.tag_texts([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert a.text == b.text
        assert [(m.start, m.end, m.type) for m in a.mentions] == [(m.start, m.end, m.type) for m in b.mentions]


@needs_onnx
def test_int8_path_agrees_with_fp32(exact):
    fast = get_tagger(backend="onnx-int8")
    assert fast.backend == "onnx-int8" and fast.version.endswith("+onnx-int8")
    assert fast_encoder.is_valid(fast_encoder.artifact_path(exact.config))
    ref = exact.tag_texts(SENTENCES)
    got = fast.tag_texts(SENTENCES)
    ref_set = {(i, m.start, m.end, m.type) for i, r in enumerate(ref) for m in r.mentions}
    got_set = {(i, m.start, m.end, m.type) for i, r in enumerate(got) for m in r.mentions}
    assert len(ref_set) >= 10
    # no single span is asserted: int8 kernels differ by CPU and flip borderline spans (see test_tagger_gate.py)
    assert len(ref_set & got_set) / len(ref_set | got_set) >= 0.8


@needs_onnx
def test_int8_encoder_vectors_close_to_fp32(exact):
    fast = get_tagger(backend="onnx-int8")
    assert fast_encoder.token_cosine(fast._run, exact.model.encoder, exact.tokenizer) >= fast_encoder.MIN_COSINE
