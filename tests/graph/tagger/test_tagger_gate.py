"""The int8 tagger against the exact one on the bundled SciERC dev slice, and the host gate's fallback."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from paperkg import encoding
from paperkg.graph.tagger import fast_encoder, gate
from paperkg.graph.tagger.inference import Tagger, get_tagger
from paperkg.hostinfo import cpu_info

needs_onnx = pytest.mark.skipif(not fast_encoder.available(), reason="onnx/onnxruntime not installed")


@needs_onnx
def test_int8_tagger_f1_within_tolerance_of_exact_on_dev_slice():
    docs = gate.gate_documents()
    assert len(docs) == gate.GATE_DOCS and sum(len(d.sentences) for d in docs) > 250
    result = gate.compare(get_tagger(backend="torch"), get_tagger(backend="onnx-int8"), docs)
    assert result.ner_exact > 0.5 and result.rel_exact > 0.2  # the slice and the shipped weights are real
    assert result.ner_fast >= result.ner_exact - gate.NER_TOLERANCE, result.notice()
    assert result.rel_fast >= result.rel_exact - gate.REL_TOLERANCE, result.notice()
    assert result.passed


@needs_onnx
def test_loaded_int8_tagger_carries_its_host_gate():
    fast = get_tagger(backend="onnx-int8")
    assert fast.gate is not None and fast.gate.documents == gate.GATE_DOCS
    within = (
        fast.gate.ner_fast >= fast.gate.ner_exact - gate.NER_TOLERANCE
        and fast.gate.rel_fast >= fast.gate.rel_exact - gate.REL_TOLERANCE
    )
    assert fast.gate.passed == within and fast.gate.host == cpu_info().signature
    assert gate.cache_path(fast_encoder.artifact_path(fast.config)).is_file()


@needs_onnx
def test_failed_gate_falls_back_to_exact_path(monkeypatch, tmp_path, caplog):
    failing = gate.GateResult(False, 0.66, 0.40, 0.33, 0.10, gate.GATE_DOCS, 0.1, "test", "test cpu")
    calls = []

    def fake_compare(exact, fast, docs):
        calls.append((exact.backend, fast.backend))
        return failing

    monkeypatch.setattr(gate, "compare", fake_compare)
    monkeypatch.setattr(gate, "cache_path", lambda artifact: tmp_path / "gate.json")
    monkeypatch.setattr(encoding, "openvino_installed", lambda: False)  # onnx-int8 first on every host kind
    with caplog.at_level(logging.WARNING, logger="paperkg.graph.tagger.inference"):
        tagger = Tagger.load(backend="auto")
    assert tagger.backend == "torch" and tagger._run is None and tagger.gate == failing
    assert calls == [("torch", "onnx-int8")]
    assert any("gate FAILED" in r.getMessage() and "exact fp32" in r.getMessage() for r in caplog.records)
    # cached for this host: the next load reads the result instead of running the slice again
    assert Tagger.load(backend="auto").backend == "torch" and len(calls) == 1
    # asked for explicitly, int8 stays (with the notice)
    assert Tagger.load(backend="onnx-int8").backend == "onnx-int8"


def test_gate_cache_is_keyed_by_recipe(monkeypatch, tmp_path):
    target = tmp_path / "gate.json"
    target.write_text('{"recipe": "an older recipe", "result": {}}')
    monkeypatch.setattr(gate, "cache_path", lambda artifact: target)
    passing = gate.GateResult(True, 0.6, 0.6, 0.3, 0.3, 1, 0.1, "sig", "cpu")
    monkeypatch.setattr(gate, "compare", lambda exact, fast, docs: passing)
    assert gate.gate_artifact(tmp_path / "a.onnx", None, None, docs=[object()]) == passing
    assert gate.gate_artifact(tmp_path / "a.onnx", None, None, docs=[]) == passing  # now from the cache
    assert dataclasses.asdict(passing) == json.loads(target.read_text())["result"]


def test_no_dev_slice_means_no_gate(tmp_path):
    assert gate.gate_documents(tmp_path / "missing.json") == []
