"""Which CPU backend `auto` picks on this host, and why: CPU flags (paperkg.hostinfo) and installed runtimes.

Measured ratios behind the order (embedding, vs naive `SentenceTransformer.encode`, same run per host;
docs/benchmarks.md section 0): AMD EPYC, AVX2 without VNNI: onnx-int8 1.68-1.86x, openvino-int8 1.17x. Intel Xeon
with AVX-512 VNNI and AMX, 2 cores: openvino-bf16 3.3-3.8x at cosine 1.0000 to fp32, openvino-int8 3.9x at 0.9974,
onnx-int8 1.75-1.88x; the tagger there: openvino-bf16 1.64x onnx-int8 at mention Jaccard 0.992 to fp32 (int8: 0.945).
On AMX hosts bf16 leads: within 5% of int8's speed at fp32's quality. OpenVINO's int8 GEMMs need VNNI/AMX to
beat its own fp32 kernels, so openvino-int8 leads the embedding on VNNI hosts without AMX bf16. AMD EPYC Zen 5
(AVX-512 VNNI and BF16, no AMX), 2 cores: embedding openvino-int8 5.2x naive (SciFact nDCG@10 0.6509 vs fp32 0.6484),
openvino-bf16 3.2-3.8x, onnx-int8 3.0x; the tagger there: openvino-bf16 36-43 abstracts/s, openvino-int8 32-46
(level over three runs) at mention Jaccard to fp32 0.992 vs 0.943, relations 0.962 vs 0.840: the tagger, whose
sequences are long, prefers bf16 wherever the CPU has bf16 dot products (`CpuInfo.bf16_dot`); the embedding only
on AMX (`CpuInfo.bf16_matmul`).
"""

from __future__ import annotations

from dataclasses import dataclass

from paperkg.hostinfo import CpuInfo, cpu_info


@dataclass(frozen=True, slots=True)
class Choice:
    backend: str  # the first candidate; the host quality gate may move down the list
    reason: str
    candidates: tuple[str, ...]  # in order of preference, ending with the exact path "torch"


_NO_ONNX = "onnx and onnxruntime are not installed: exact fp32 torch (pip install 'paperkg[fast]')"


def _choice(host: CpuInfo, onnx: bool, openvino: bool, reason: str, bf16: bool) -> Choice:
    """The candidates in order: OpenVINO bf16 where `bf16` (the host's bf16 hardware pays off for this model),
    OpenVINO int8 on hosts with int8 dot products, then ONNX int8, then fp32 torch."""
    order = ["openvino-bf16"] if bf16 and openvino else []
    order += ["openvino-int8"] if host.int8_dot and openvino else []
    order += ["onnx-int8", "torch"] if onnx else ["torch"]
    return Choice(order[0], reason, tuple(order))


def _reason(host: CpuInfo, onnx: bool, openvino: bool, what: str, fallback: str, bf16: bool) -> str:
    if bf16 and openvino:
        hardware = "AMX bf16 tiles" if host.bf16_matmul else "AVX-512 BF16 dot products"
        then = ", then openvino-int8" if host.int8_dot else ""
        return f"{host.kind} host ({hardware}) with OpenVINO installed: the fp32 model run in bf16 ({what}){then}"
    if host.int8_dot and openvino:
        return f"{host.kind} host (hardware int8 dot products) with OpenVINO installed: static int8 ({what})"
    if host.int8_dot and onnx:
        return (
            f"{host.kind} host but OpenVINO is not installed: onnx-int8 (pip install 'paperkg[fast]' for the "
            "OpenVINO paths, 3.8-4.0x naive on an AMX Xeon vs 1.9x)"
        )
    return fallback if onnx else _NO_ONNX


def embedding_choice(host: CpuInfo | None = None, *, onnx: bool | None = None, openvino: bool | None = None) -> Choice:
    """The CPU embedding backends for `auto`, fastest first, with the reason for the first."""
    host = host or cpu_info()
    if onnx is None:
        from paperkg.index import fast_encoder

        onnx = fast_encoder.available()
    if openvino is None:
        from paperkg.index import openvino_encoder

        openvino = openvino_encoder.available()
    bf16 = host.bf16_matmul
    what = "3.3-3.7x naive at cosine 1.0000 on an AMX Xeon" if bf16 else "3.9x naive on an AMX Xeon, 5.2x on Zen 5"
    fallback = f"{host.kind} host without VNNI/AMX: onnx-int8 (1.7-1.9x naive on AVX2; openvino-int8 only 1.17x there)"
    return _choice(host, onnx, openvino, _reason(host, onnx, openvino, what, fallback, bf16), bf16)


def tagger_choice(host: CpuInfo | None = None, *, onnx: bool | None = None, openvino: bool | None = None) -> Choice:
    """The tagger's encoder backends for `auto`, fastest first; each built one is kept only if it passes the
    entity/relation F1 gate on this host (graph/tagger/gate.py), else the next is tried."""
    host = host or cpu_info()
    if onnx is None:
        from paperkg.graph.tagger import fast_encoder

        onnx = fast_encoder.available()
    if openvino is None:
        from paperkg import encoding

        openvino = encoding.openvino_installed()
    gated = "kept only if it passes the entity/relation F1 gate on this host"
    bf16 = host.bf16_dot
    if host.bf16_matmul:
        what = "1.64x onnx-int8 on an AMX Xeon"
    elif bf16:
        what = "level with openvino-int8 on a Zen 5 EPYC at fp32's mentions: Jaccard 0.992 vs int8's 0.943"
    else:
        what = "the embedding's fastest path there"
    why = "OpenVINO is not installed" if host.int8_dot else "no VNNI/AMX, where OpenVINO int8 is slower"
    reason = _reason(host, onnx, openvino, what, f"{host.kind} host, {why}: int8 ONNX encoder", bf16)
    return _choice(host, onnx, openvino, f"{reason}, {gated}" if onnx or openvino else reason, bf16)
