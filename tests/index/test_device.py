"""Device and encoder-backend selection, on a machine without a GPU (CUDA availability is monkeypatched)."""

from __future__ import annotations

import pytest
import torch
from paperkg.hostinfo import CpuInfo
from paperkg.index import encoder as enc
from paperkg.index.encoder import resolve_backend, resolve_device, spec_from_settings
from paperkg.settings import load_settings


@pytest.mark.parametrize(
    ("requested", "cuda", "expected"),
    [("auto", True, "cuda"), ("auto", False, "cpu"), ("cpu", True, "cpu"), ("cuda", True, "cuda")],
)
def test_resolve_device(requested: str, cuda: bool, expected: str) -> None:
    assert resolve_device(requested, cuda_available=cuda) == expected


def test_cuda_requested_without_gpu_is_an_error() -> None:
    with pytest.raises(ValueError, match="no CUDA"):
        resolve_device("cuda", cuda_available=False)


@pytest.mark.parametrize(
    ("requested", "device", "fast", "expected"),
    [
        ("auto", "cuda", True, "torch"),  # GPU: fp16 torch, never the CPU int8 path
        ("auto", "cpu", True, "onnx-int8"),
        ("auto", "cpu", False, "torch"),
        ("torch", "cpu", True, "torch"),
        ("onnx-int8", "cpu", True, "onnx-int8"),
    ],
)
def test_resolve_backend(requested: str, device: str, fast: bool, expected: str) -> None:
    avx2 = CpuInfo("AMD EPYC", frozenset({"avx2"}), 2)  # the pick on VNNI/AMX hosts: test_openvino_encoder.py
    got = resolve_backend(requested, device, fast_available=fast, host=avx2, openvino_available=False)  # type: ignore[arg-type]
    assert got == expected


def test_int8_requested_without_packages_is_an_error() -> None:
    with pytest.raises(ValueError, match="fast"):
        resolve_backend("onnx-int8", "cpu", fast_available=False)


def test_auto_picks_cuda_when_torch_sees_a_gpu(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    spec = spec_from_settings(load_settings(tmp_path))
    assert (spec.device, spec.backend) == ("cuda", "torch")
    assert not (tmp_path / "models").exists()  # nothing built for the CPU path


def test_device_flag_overrides_gpu(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(enc, "resolve_backend", lambda requested, device: "torch")
    spec = spec_from_settings(load_settings(tmp_path, device="cpu"))
    assert spec.device == "cpu"


def test_manifest_tells_int8_from_fp32(tmp_path) -> None:
    fp32 = spec_from_settings(load_settings(tmp_path, device="cpu", encoder_backend="torch"))
    int8 = enc.EncoderSpec(fp32.model_path, "cpu", fp32.max_seq_length, "onnx-int8", str(tmp_path))
    assert fp32.describe()["model_fingerprint"] != int8.describe()["model_fingerprint"]
    assert int8.describe()["encoder_backend"] == "onnx-int8"
    assert "encoder_backend" not in fp32.describe()  # fp32 manifests stay as they were


def test_inference_threads_follow_omp_num_threads(monkeypatch) -> None:
    """One API worker per core runs with OMP_NUM_THREADS=1: its ONNX session must not start a 2-thread pool."""
    import os

    from paperkg.index.fast_encoder import cpu_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert cpu_threads() == 1
    for bad in ("", "0", "two"):
        monkeypatch.setenv("OMP_NUM_THREADS", bad)
        assert cpu_threads() == max(1, len(os.sched_getaffinity(0)))
