"""What the int8 encoder paths share: the TextEncoder protocol, ONNX export, fusion + int8, length-sorted batches.

Used by the embedding encoders (`paperkg.index.fast_encoder`, `paperkg.index.openvino_encoder`) and the
tagger's encoder (`paperkg.graph.tagger.fast_encoder`); it lives outside both stages so neither reaches into the
other. torch, onnxruntime and transformers are imported where they are needed: importing this module is cheap.
"""

from __future__ import annotations

import importlib.util
import queue
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    import torch

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def installed(*packages: str) -> bool:
    """True when every named package can be imported (the optional extras are feature flags)."""
    return all(importlib.util.find_spec(name) is not None for name in packages)


class TextEncoder(Protocol):
    """Texts in, one L2-normalised float32 row per text out (in the order given)."""

    dim: int

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray: ...


def export_hidden_states(model: torch.nn.Module, onnx_path: Path) -> None:
    """A BERT-style model as an fp32 ONNX graph: (ids, mask, token types) -> last hidden state, any batch/length."""
    import torch

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            ids = {"input_ids": input_ids, "attention_mask": attention_mask}
            return self.inner(**ids, token_type_ids=token_type_ids).last_hidden_state

    dummy = tuple(torch.ones(2, 16, dtype=torch.long) for _ in INPUT_NAMES)
    axes = {n: {0: "batch", 1: "tokens"} for n in [*INPUT_NAMES, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shape-dependent Python branches in transformers
        torch.onnx.export(
            Hidden(model),
            dummy,
            str(onnx_path),
            input_names=list(INPUT_NAMES),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def fuse_and_quantize(
    fp32: Path,
    out: Path,
    *,
    heads: int,
    hidden: int,
    op_types: Sequence[str] | None = None,
    keep_fp32: Callable[[str], bool] | None = None,
) -> None:
    """Attention fused (onnxruntime's BERT optimizer), then int8 weights per channel (dynamic quantization).

    `op_types` limits which ops go int8 (default: every supported op); nodes whose name `keep_fp32` accepts stay
    fp32. The intermediate files next to `out` are removed.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    fused_path = out.with_name("fused.onnx")
    fused = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1)
    fused.save_model_to_file(str(fused_path))
    options: dict[str, Any] = {}
    if op_types is not None:
        options["op_types_to_quantize"] = list(op_types)
    if keep_fp32 is not None:
        options["nodes_to_exclude"] = [n.name for n in fused.model.graph.node if keep_fp32(n.name)]
    quantize_dynamic(
        str(fused_path),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": 1},  # FLOAT, for outputs of fused ops shape inference cannot type
        **options,
    )
    for path in (fp32, fused_path):
        path.unlink(missing_ok=True)


def onnx_session(onnx_path: Path, threads: int) -> Any:
    """A CPU onnxruntime session with every graph optimisation and one inter-op thread."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mask-weighted mean of token vectors, L2-normalised (sentence-transformers' pooling for this model)."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def encode_by_length(
    texts: list[str],
    tokenizer: Any,
    dim: int,
    batch_size: int,
    run: Callable[[dict[str, np.ndarray]], np.ndarray],
    inputs: set[str],
) -> np.ndarray:
    """Mean-pooled sentence vectors, batched longest text first and returned in the order given.

    Similar lengths share a batch, so little padding is computed. `tokenizer` is a `tokenizers.Tokenizer` with
    padding and truncation on; `run` maps the model's inputs (those named in `inputs`) to its last hidden state.
    """
    out = np.zeros((len(texts), dim), dtype=np.float32)
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        encoded = tokenizer.encode_batch([texts[i] for i in rows])
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        out[rows] = mean_pool(run({k: v for k, v in feeds.items() if k in inputs}), mask)
    return out


def openvino_installed() -> bool:
    """True when OpenVINO (inference), NNCF (static quantization) and onnx (export) are all installed."""
    return installed("openvino", "nncf", "onnx")


def openvino_quantize(
    onnx_path: Path, xml: Path, feeds: list[dict[str, np.ndarray]], keep_fp32: Sequence[str] = ()
) -> None:
    """fp32 ONNX -> OpenVINO IR with static int8 (NNCF post-training, transformer preset), calibrated on `feeds`.

    `feeds` are real model inputs (name -> array); nodes whose name matches a `keep_fp32` regex stay fp32. The
    ONNX file is removed once the IR (.xml + .bin) is written.
    """
    import nncf
    import openvino as ov

    model = ov.Core().read_model(str(onnx_path))
    quantized = nncf.quantize(
        model,
        nncf.Dataset(feeds),
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=len(feeds),
        ignored_scope=nncf.IgnoredScope(patterns=list(keep_fp32), validate=False) if keep_fp32 else None,
    )
    ov.save_model(quantized, str(xml))  # weights already int8; no further fp16 compression
    onnx_path.unlink(missing_ok=True)


def openvino_convert(onnx_path: Path, xml: Path) -> None:
    """fp32 ONNX -> OpenVINO IR with fp16-stored weights (half the disk; the plugin widens them when compiling,
    and the inference precision is chosen then). The ONNX file is removed once the IR (.xml + .bin) is written."""
    import openvino as ov

    ov.save_model(ov.Core().read_model(str(onnx_path)), str(xml), compress_to_fp16=True)
    onnx_path.unlink(missing_ok=True)


def openvino_compile(xml: Path, threads: int, precision: str | None = None) -> tuple[Any, Any, set[str]]:
    """The IR compiled for CPU (latency-tuned), a pool of its infer requests (`RequestPool`) and its input
    names; `precision` sets the inference precision hint where the CPU has it (OPTIMIZATION_CAPABILITIES)."""
    import openvino as ov

    core = ov.Core()
    config: dict[str, Any] = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY"}
    if precision and precision.upper() in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
        config["INFERENCE_PRECISION_HINT"] = precision  # e.g. "bf16" on AMX hosts
    # a precision the CPU lacks (bf16 on AVX2) is not asked for: the plugin's default, fp32, runs instead
    compiled = core.compile_model(str(xml), "CPU", config)
    return compiled, RequestPool(compiled), {i.get_any_name() for i in compiled.inputs}


class RequestPool:
    """`infer` on a fixed set of OpenVINO infer requests, all made with the model, one calling thread per request
    at a time (the API encodes queries from several threads at once). A request serves one call at a time (a
    second thread gets "Infer Request is busy"), and requests made per thread on first use deadlocked on an AMD
    Zen 5 host (OpenVINO 2026.4: two threads in `create_infer_request`, two in `infer` on the same compiled model,
    none moving; 2 runs in 7 of 40 fresh encoders each, then 0 in 16: rare; scripts/check_openvino_threads.py),
    so every request is made with the compiled model, before any call. Several requests rather than one behind a
    lock: the model runs one stream, but a request's input and output copies can overlap another's inference
    (/search with new queries from 16 connections on the Zen 5 host, interleaved runs: this pool 183-222 req/s,
    one request behind a lock 115-202, per-thread requests 131-271: within the noise of a 2-core machine)."""

    def __init__(self, compiled: Any, size: int = 4) -> None:
        # last in, first out: a lone caller (the ingest) always gets the same warm request, whose buffers fit the
        # shapes it saw; the others are touched only under concurrent calls
        self._free: queue.LifoQueue[Any] = queue.LifoQueue()
        for _ in range(size):
            self._free.put(compiled.create_infer_request())
        self.compiled = compiled  # set after the requests: on teardown they are released before the model

    def infer(self, feeds: dict[str, np.ndarray]) -> Any:
        request = self._free.get()
        try:
            return request.infer(feeds)  # copies (OpenVINO's default): safe once the request is back in the pool
        finally:
            self._free.put(request)
