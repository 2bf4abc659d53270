"""The per-host quality gate of int8 embedding models: fallback to the exact path, caching, the calibration slice."""

from __future__ import annotations

import logging

import pytest
from paperkg.hostinfo import cpu_info
from paperkg.index import encoder as enc
from paperkg.index import fast_encoder, openvino_encoder, quality_gate
from paperkg.settings import load_settings


def _gate(passed: bool) -> quality_gate.EmbedGate:
    cos = 0.993 if passed else 0.91
    return quality_gate.EmbedGate(passed, cos, cos - 0.01, 38, 0.1, cpu_info().signature, cpu_info().model)


@pytest.fixture
def fake_int8(tmp_path, monkeypatch):
    """An onnx-int8 build that exists and passed its build check; what the host gate says is up to the test."""
    artifact = tmp_path / "model-x-onnx-int8.onnx"
    artifact.write_bytes(b"not a model")
    monkeypatch.setattr(fast_encoder, "available", lambda: True)
    monkeypatch.setattr(openvino_encoder, "available", lambda: False)
    monkeypatch.setattr(fast_encoder, "ensure_model", lambda *args: artifact)
    monkeypatch.setattr(fast_encoder, "is_valid", lambda path: True)
    monkeypatch.setattr(quality_gate, "cache_path", lambda a: tmp_path / "gate.json")
    calls: list[bool] = []

    def use(passed: bool) -> list[bool]:
        def measure(*args):
            calls.append(passed)
            return _gate(passed)

        monkeypatch.setattr(quality_gate, "measure", measure)
        return calls

    return use


def test_failed_gate_falls_back_to_exact_path(fake_int8, tmp_path, caplog) -> None:
    calls = fake_int8(False)
    with caplog.at_level(logging.WARNING, logger="paperkg.index"):
        spec = enc.spec_from_settings(load_settings(tmp_path / "home", device="cpu"))
    assert spec.backend == "torch" and calls == [False]
    notices = [r.getMessage() for r in caplog.records if "gate FAILED" in r.getMessage()]
    assert notices and "next backend" in notices[-1]
    # the result is cached for this host: the next process reads it instead of measuring again
    assert enc.spec_from_settings(load_settings(tmp_path / "home", device="cpu")).backend == "torch"
    assert calls == [False]
    with pytest.raises(ValueError, match="gate FAILED"):  # asked for explicitly: an error, not a silent swap
        enc.spec_from_settings(load_settings(tmp_path / "home", device="cpu", encoder_backend="onnx-int8"))


def test_passed_gate_keeps_int8(fake_int8, tmp_path) -> None:
    calls = fake_int8(True)
    assert enc.spec_from_settings(load_settings(tmp_path / "home", device="cpu")).backend == "onnx-int8"
    assert calls == [True]


def test_gate_that_cannot_run_falls_back(fake_int8, tmp_path, monkeypatch) -> None:
    fake_int8(True)

    def broken(*args):
        raise RuntimeError("illegal instruction")

    monkeypatch.setattr(quality_gate, "measure", broken)
    assert enc.spec_from_settings(load_settings(tmp_path / "home", device="cpu")).backend == "torch"


def test_calibration_slice_is_real_and_fixed() -> None:
    texts = quality_gate.calibration_slice()
    assert len(texts) == len(set(texts)) == len(fast_encoder._VALIDATION_TEXTS) + quality_gate.SLICE_SIZE
    assert texts == quality_gate.calibration_slice()
    assert sum(len(t.split()) >= 40 for t in texts) >= quality_gate.SLICE_SIZE  # abstracts, not titles


@pytest.mark.slow
@pytest.mark.skipif(not fast_encoder.available(), reason="fast extra (onnx, onnxruntime) not installed")
def test_real_int8_model_passes_on_this_host(tmp_path) -> None:  # builds the int8 model when not cached
    spec = enc.EncoderSpec(enc.default_model_path(), "cpu", 256, "onnx-int8", str(tmp_path))
    path = fast_encoder.ensure_model(spec.model_path, enc.model_fingerprint(spec.model_path), tmp_path)
    gate = quality_gate.measure(
        lambda: enc._fast_encoder(spec, path), spec.model_path, 256, quality_gate.calibration_slice()
    )
    assert gate.passed and gate.mean_cosine > 0.985, gate.notice()


@pytest.mark.parametrize(
    ("built_with", "expected"), [(None, "onnx-int8"), ("torch", "torch"), ("onnx-int8", "onnx-int8")]
)
def test_home_indexed_elsewhere_keeps_its_backend(fake_int8, tmp_path, built_with, expected) -> None:
    """A home indexed with fp32 (e.g. on a GPU or another host kind) keeps fp32 queries under `auto`."""
    from paperkg.index import artifacts

    fake_int8(True)
    settings = load_settings(tmp_path / "home", device="cpu")
    if built_with is not None:
        root = settings.index_dir / "dense"
        manifest = {"model": "m"} if built_with == "torch" else {"model": "m", "encoder_backend": built_with}
        artifacts.publish(root, artifacts.new_version(root), manifest)
    assert enc.home_backend(settings) == built_with
    assert enc.spec_from_settings(settings).backend == expected
