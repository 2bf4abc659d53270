"""The tagger's OpenVINO encoders (bf16, int8): choice per host kind, fallback down the list, gate and F1 here."""

from __future__ import annotations

import logging

import pytest
from paperkg import encoding
from paperkg.graph.tagger import fast_encoder, gate, openvino_encoder
from paperkg.graph.tagger.inference import Tagger, get_tagger
from paperkg.hostinfo import CpuInfo, cpu_info
from paperkg.index.backend_choice import tagger_choice

AVX2 = CpuInfo("AMD EPYC", frozenset({"avx2", "fma"}), 2)
VNNI = CpuInfo("Intel(R) Xeon(R) Gold 6248", frozenset({"avx2", "avx512f", "avx512_vnni"}), 2)
AMX = CpuInfo(
    "Intel(R) Xeon(R) Platinum 8480+", frozenset({"avx2", "avx512f", "avx512_vnni", "amx_int8", "amx_bf16"}), 2
)
# AMD EPYC Zen 5: AVX-512 VNNI and BF16 dot products, no AMX
ZEN5 = CpuInfo("AMD EPYC", frozenset({"avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16"}), 2)
needs_openvino = pytest.mark.skipif(not openvino_encoder.available(), reason="openvino/nncf/onnx not installed")


@pytest.mark.parametrize(
    ("host", "onnx", "openvino", "expected"),
    [
        (AMX, True, True, ("openvino-bf16", "openvino-int8", "onnx-int8", "torch")),
        (VNNI, True, True, ("openvino-int8", "onnx-int8", "torch")),  # no bf16 hardware: int8 first
        # bf16 dot products without AMX: bf16 is level with int8 on the tagger's long sequences, at fp32's output
        (ZEN5, True, True, ("openvino-bf16", "openvino-int8", "onnx-int8", "torch")),
        (ZEN5, True, False, ("onnx-int8", "torch")),
        (AMX, True, False, ("onnx-int8", "torch")),
        (AMX, False, True, ("openvino-bf16", "openvino-int8", "torch")),
        (AVX2, True, True, ("onnx-int8", "torch")),  # OpenVINO int8 is slower than onnx-int8 without VNNI/AMX
        (AVX2, False, True, ("torch",)),
        (AVX2, False, False, ("torch",)),
    ],
)
def test_tagger_choice_per_host_kind(host, onnx, openvino, expected) -> None:
    choice = tagger_choice(host, onnx=onnx, openvino=openvino)
    assert choice.candidates == expected and choice.backend == expected[0]
    assert host.kind in choice.reason or choice.backend == "torch"
    if choice.backend == "openvino-bf16":
        hardware = "AMX bf16" if host.bf16_matmul else "AVX-512 BF16"
        assert hardware in choice.reason and "gate" in choice.reason
    elif choice.backend == "openvino-int8":
        assert "int8 dot products" in choice.reason and "gate" in choice.reason
    elif openvino and host is AVX2 and onnx:
        assert "no VNNI/AMX" in choice.reason
    elif host.int8_dot and onnx:
        assert "OpenVINO is not installed" in choice.reason


def test_auto_falls_down_the_list_when_gates_fail(monkeypatch, tmp_path, caplog) -> None:
    """On AMX: openvino-bf16, then openvino-int8, then onnx-int8 fail their gates -> exact fp32, one notice each."""
    tried = []

    def runner(name, model, tokenizer, config):
        tried.append(name)
        return tmp_path / f"{name}.bin", lambda ids, mask: model.encoder(input_ids=ids, attention_mask=mask)[0]

    def fake_gate(path, exact, fast):
        return gate.GateResult(False, 0.66, 0.40, 0.33, 0.1, 1, 0.1, "sig", f"cpu for {fast.backend}")

    from paperkg.graph.tagger import inference

    monkeypatch.setattr(inference, "_int8_runner", runner)
    monkeypatch.setattr(gate, "gate_artifact", fake_gate)
    monkeypatch.setattr("paperkg.index.backend_choice.cpu_info", lambda: AMX)
    monkeypatch.setattr(fast_encoder, "available", lambda: True)
    monkeypatch.setattr(encoding, "openvino_installed", lambda: True)
    with caplog.at_level(logging.WARNING, logger="paperkg.graph.tagger.inference"):
        tagger = Tagger.load(backend="auto")
    assert tried == ["openvino-bf16", "openvino-int8", "onnx-int8"] and tagger.backend == "torch"
    notices = [r.getMessage() for r in caplog.records]
    for name in ("openvino-bf16", "openvino-int8"):
        assert any(name in m and "gate FAILED" in m and "next backend" in m for m in notices)
    assert any("onnx-int8" in m and "gate FAILED" in m and "exact fp32" in m for m in notices)
    # a passing gate on the second candidate keeps it
    monkeypatch.setattr(
        gate, "gate_artifact", lambda p, e, f: fake_gate(p, e, f) if f.backend.startswith("openvino") else None
    )
    assert Tagger.load(backend="auto").backend == "onnx-int8"


def test_openvino_requested_without_packages_is_an_error(monkeypatch) -> None:
    monkeypatch.setattr(encoding, "openvino_installed", lambda: False)
    assert not openvino_encoder.available()
    with pytest.raises(RuntimeError, match="openvino-int8 unavailable.*openvino"):
        Tagger.load(backend="openvino-int8")


def test_cache_key_follows_the_weights_beside_the_onnx_build(tmp_path) -> None:
    config = {"version": "v+aaaa", "base_sha256": "b"}
    a = openvino_encoder.artifact_path(config, tmp_path)
    b = openvino_encoder.artifact_path({**config, "version": "v+bbbb"}, tmp_path)
    assert a != b and a.parent == tmp_path and a.name.endswith("-openvino-int8.xml")
    assert a.parent == fast_encoder.artifact_path(config, tmp_path).parent
    assert a.stem != fast_encoder.artifact_path(config, tmp_path).stem  # separate gate records per backend


def test_calibration_uses_train_windows_not_dev() -> None:
    exact = get_tagger(backend="torch")
    feeds = openvino_encoder.calibration_feeds(exact.model, exact.tokenizer)
    assert len(feeds) >= 20
    assert all(f["input_ids"].shape == f["attention_mask"].shape for f in feeds)
    assert max(f["input_ids"].shape[1] for f in feeds) <= exact.model.window
    # the same fixed subset every time (the recipe names it), from train.json: dev is the gate's slice
    again = openvino_encoder.calibration_feeds(exact.model, exact.tokenizer)
    assert [f["input_ids"].tolist() for f in feeds] == [f["input_ids"].tolist() for f in again]
    with pytest.raises(FileNotFoundError, match="train"):
        openvino_encoder.calibration_feeds(exact.model, exact.tokenizer, path=gate.default_data_dir() / "x.json")


def test_bf16_build_has_its_own_cache_key(tmp_path) -> None:
    config = {"version": "v+aaaa", "base_sha256": "b"}
    int8 = openvino_encoder.artifact_path(config, tmp_path)
    bf16 = openvino_encoder.artifact_path(config, tmp_path, openvino_encoder.BF16_VARIANT)
    assert bf16.name.endswith("-openvino-bf16.xml") and bf16.stem.split("-")[2] != int8.stem.split("-")[2]


@needs_openvino
@pytest.mark.parametrize("backend", ["openvino-int8", "openvino-bf16"])
def test_openvino_tagger_passes_the_gate_on_this_host(backend) -> None:
    """Both OpenVINO paths against the exact one on the bundled dev slice, on whatever CPU runs the suite (bf16
    runs in bf16 on AMX hosts and in fp32 elsewhere)."""
    exact = get_tagger(backend="torch")
    fast = get_tagger(backend=backend)
    assert fast.backend == backend and fast.version.endswith(f"+{backend}")
    path = openvino_encoder.artifact_path(exact.config, variant=backend)
    assert openvino_encoder.is_valid(path) and gate.cache_path(path).is_file()
    assert fast.gate is not None and fast.gate.documents == gate.GATE_DOCS and fast.gate.host == cpu_info().signature
    assert fast.gate.passed, fast.gate.notice()
    # entity F1 within the gate tolerance of torch on the bundled slice (no exact int8 spans: kernels differ)
    assert fast.gate.ner_exact > 0.5 and fast.gate.ner_fast >= fast.gate.ner_exact - gate.NER_TOLERANCE
    assert fast.gate.rel_fast >= fast.gate.rel_exact - gate.REL_TOLERANCE
    assert fast_encoder.token_cosine(fast._run, exact.model.encoder, exact.tokenizer) >= openvino_encoder.MIN_COSINE
