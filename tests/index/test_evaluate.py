from __future__ import annotations

import json
from pathlib import Path

from paperkg.cli.main import app
from typer.testing import CliRunner

BEIR_MINI = Path(__file__).resolve().parents[1] / "fixtures" / "beir-mini"


def test_eval_retrieval_on_scifact_slice() -> None:
    result = CliRunner().invoke(app, ["eval", "retrieval", str(BEIR_MINI), "--mode", "all", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output[result.output.index("{") :])
    for mode in ("hybrid", "dense", "lexical"):
        assert set(scores[mode]) == {"ndcg@10", "recall@100", "mrr@10"}
        # 30 real SciFact queries over 202 abstracts: a regression guard, far above chance (~0.05)
        assert scores[mode]["ndcg@10"] > 0.6, (mode, scores[mode])
    assert scores["hybrid"]["ndcg@10"] >= min(scores["dense"]["ndcg@10"], scores["lexical"]["ndcg@10"])
