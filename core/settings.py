"""One settings object: defaults, then a TOML config file in the data home, then PAPERKG_* env vars, then CLI flags."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from paperkg import model_cache
from paperkg.errors import ConfigError
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path.home() / ".paperkg"


class Settings(BaseSettings):
    """Everything configurable; `paperkg config` prints it back. What an output depends on is recorded with it
    (each index manifest holds the encoder it was built with, and refuses to load under another)."""

    model_config = SettingsConfigDict(env_prefix="PAPERKG_", extra="ignore")

    home: Path = Field(default=DEFAULT_HOME, description="data home: catalog, indexes, graph")
    cache_dir: Path = Field(
        default=model_cache.DEFAULT_CACHE,
        description="int8 models built on first use (encoders/, tagger/), shared by this user's data homes; "
        f"builds unused for {model_cache.STALE_DAYS} days are deleted when a newer one is built",
    )
    model: str | None = Field(default=None, description="sentence-transformers model path; default: packaged MiniLM")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    encoder_backend: Literal["auto", "torch", "onnx-int8", "openvino-int8", "openvino-bf16"] = Field(
        default="auto",
        description="auto: fp16 torch on CUDA; on CPU the fastest path that passes its gate on this host "
        "(paperkg config says which); torch = exact fp32",
    )
    max_seq_length: int = Field(default=256, ge=16, le=512)
    batch_size: int = Field(default=64, ge=1, le=4096)
    ingest_batch: int = Field(default=2000, ge=1, description="records per catalog transaction")
    exact_index_max: int = Field(
        default=20_000,
        ge=0,
        description="exact inner-product search up to this many vectors, IVF-SQ8 above (index/dense.py)",
    )
    fusion: Literal["convex", "rrf"] = "convex"
    # 0.45: best on SciFact *train* queries (scripts/tune_fusion.py); test figures in the README
    fusion_weight: float = Field(default=0.45, ge=0.0, le=1.0, description="weight of the dense score (convex)")
    rrf_k: int = Field(default=60, ge=1)
    candidates: int = Field(default=100, ge=10, le=10_000, description="per-retriever depth before fusion")
    tagger: bool = True
    tagger_model: str | None = None
    tagger_backend: Literal["auto", "torch", "onnx-int8", "openvino-int8", "openvino-bf16"] = Field(
        default="auto", description="tagger encoder: auto = per host (paperkg config says which), torch = exact fp32"
    )
    # per-record limits (core/limits.py): a record over one is quarantined with the limit's name
    max_id_chars: int = Field(default=200, ge=16, description="longest paper id")
    max_title_chars: int = Field(default=2_000, ge=100, description="longest title")
    max_abstract_chars: int = Field(default=100_000, ge=1_000, description="longest abstract")
    max_authors: int = Field(default=10_000, ge=1, description="most authors (and categories, versions)")
    max_author_chars: int = Field(default=500, ge=50, description="longest author name")
    max_field_chars: int = Field(default=10_000, ge=100, description="longest doi, journal-ref, comments...")
    max_line_bytes: int = Field(
        default=8 << 20, ge=1 << 16, description="longest JSON line; longer ones are skipped unread"
    )
    # `paperkg serve` (api/server.py): slow or oversized clients cannot hold a worker
    http_header_timeout: float = Field(default=10.0, gt=0, description="seconds to send a request's headers")
    http_keep_alive: float = Field(default=5.0, gt=0, description="idle seconds a keep-alive connection stays open")
    http_max_head_bytes: int = Field(
        default=128 << 10,
        ge=16 << 10,
        description="request line + headers; larger heads get a JSON 400 (a 100 KB query still gets the API's 422)",
    )
    api_key: str | None = Field(default=None, description="required for write endpoints when set")
    cors_origins: list[str] = Field(default_factory=list)
    api_threads: int = Field(
        default=2,
        ge=1,
        le=256,
        description="threads per API process for blocking endpoints: CPU-bound requests then run nearly in "
        "arrival order instead of dozens of threads fighting over the GIL (long tail latencies)",
    )

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    def public_dict(self) -> dict[str, Any]:
        """Settings without secrets, JSON-ready."""
        data = json.loads(self.model_dump_json())
        if data.get("api_key"):
            data["api_key"] = "***"
        return data


def load_settings(home: Path | str | None = None, **overrides: Any) -> Settings:
    """Resolve settings: defaults < home/config.toml < environment < explicit overrides (CLI flags)."""
    base = Settings()
    resolved_home = Path(home).expanduser() if home is not None else base.home.expanduser()
    file_values: dict[str, Any] = {}
    config_file = resolved_home / "config.toml"
    if config_file.is_file():
        try:
            file_values = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file}: not valid TOML ({exc})") from None
    env_values = {k: v for k, v in base.model_dump(exclude_unset=True).items()}
    merged = {**file_values, **env_values, **{k: v for k, v in overrides.items() if v is not None}}
    merged["home"] = resolved_home
    settings = Settings(**merged)
    model_cache.use(settings.cache_dir)  # the model builders read it from there (they are not passed settings)
    return settings
