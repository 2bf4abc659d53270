"""Training runs end to end on a tiny slice (one step) and writes a loadable, small artifact."""

from __future__ import annotations

import json
import shutil

import pytest
from paperkg.errors import ModelMismatch
from paperkg.graph.tagger.artifact import default_model_dir, load_artifact
from paperkg.graph.tagger.data import default_data_dir, read_scierc
from paperkg.graph.tagger.train import TrainConfig, train


def test_one_step_training_writes_artifact(tmp_path):
    out = tmp_path / "model"
    report = train(
        default_data_dir(), out, TrainConfig(epochs=1, max_steps=1, limit_docs=2, eval_from=1), progress=False
    )
    assert set(report["dev"]) >= {"ner_f1", "rel_f1", "rel_strict_f1"}
    assert (out / "report.json").is_file()
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["steps"] == 1 and config["training"]["seed"] == 13
    model, tokenizer, loaded = load_artifact(out)
    assert loaded["version"].startswith(report["version"] + "+")


def test_shipped_artifact_is_small_and_checked(tmp_path):
    shipped = default_model_dir()
    size = sum(p.stat().st_size for p in shipped.iterdir() if p.is_file())
    assert size < 25_000_000
    config = json.loads((shipped / "config.json").read_text())
    assert config["dev"]["ner_f1"] > 0.5
    copy = tmp_path / "copy"
    shutil.copytree(shipped, copy)
    config["base_sha256"] = "0" * 64
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelMismatch):
        load_artifact(copy)


def test_repository_keeps_scierc_train_and_dev():
    data = default_data_dir()
    assert len(read_scierc(data / "train.json")) == 350
    assert len(read_scierc(data / "dev.json")) == 50
    assert not (data / "test.json").exists()
