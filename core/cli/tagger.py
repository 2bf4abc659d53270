"""`paperkg tagger train|eval|predict`: the SciERC entity and relation tagger from the command line."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from paperkg.cli.output import styled_table
from rich.console import Console

app = typer.Typer(
    help="Scientific entity and relation tagger (SciERC): train, evaluate, predict.", no_args_is_help=True
)
console = Console()

ModelOpt = Annotated[
    Path | None, typer.Option("--model", help="artifact folder (default: the weights shipped in the package)")
]


@app.command("train")
def train_cmd(
    data: Annotated[Path | None, typer.Option("--data", help="folder with train.json and dev.json")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="artifact folder (default: shipped weights)")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 13,
    epochs: Annotated[int | None, typer.Option("--epochs", min=1)] = None,
    threads: Annotated[int, typer.Option("--threads", min=1)] = 2,
) -> None:
    """Fine-tune on train.json, keep the best epoch on dev.json, write weights, config and report.json."""
    from paperkg.graph.tagger.train import TrainConfig, train

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    cfg = TrainConfig(seed=seed, threads=threads)
    if epochs is not None:
        cfg.epochs = epochs
    report = train(data, out, cfg)
    dev = report["dev"]
    typer.echo(
        json.dumps(
            {
                "version": report["version"],
                "best_epoch": report["best_epoch"],
                "minutes": report["minutes"],
                **{k: round(dev[k], 4) for k in ("ner_f1", "rel_f1", "rel_strict_f1")},
            }
        )
    )


@app.command("eval")
def eval_cmd(
    file: Annotated[Path, typer.Argument(help="SciERC-format JSON lines with gold annotations")],
    model: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Micro precision/recall/F1: entities, Rel (argument spans + type), Rel+ (also entity types)."""
    from paperkg.graph.tagger.evaluate import evaluate_file

    result = evaluate_file(file, model_dir=model)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    table = styled_table(f"{file} ({result['documents']} documents, {result['sentences']} sentences)")
    for col in ("", "P", "R", "F1", "gold", "pred"):
        table.add_column(col, justify="right" if col else "left")
    for key, name in (("ner", "Entities"), ("rel", "Rel"), ("rel_strict", "Rel+")):
        c = result[f"{key}_counts"]
        table.add_row(name, *(f"{result[f'{key}_{m}']:.4f}" for m in ("p", "r", "f1")), str(c["gold"]), str(c["pred"]))
    console.print(table)
    for key, name in (("ner", "Entity types"), ("rel_strict", "Relation types (Rel+)")):
        per = styled_table(name)
        for col in ("type", "P", "R", "F1", "gold", "pred"):
            per.add_column(col, justify="left" if col == "type" else "right")
        for t, v in result["per_type"][key].items():
            per.add_row(t, f"{v['p']:.3f}", f"{v['r']:.3f}", f"{v['f1']:.3f}", str(v["gold"]), str(v["pred"]))
        console.print(per)
    console.print(f"model {result['model']}, {result['sentences_per_s']} sentences/s")


@app.command("predict")
def predict_cmd(
    text: Annotated[str, typer.Argument(help="text to tag (title and abstract)")],
    model: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Print the entities and relations found in TEXT."""
    from paperkg.graph.tagger.inference import get_tagger

    result = get_tagger(model).tag_texts([text])[0].to_dict()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if not result["mentions"]:
        console.print("no entities found")
        return
    ents = styled_table("entities")
    for col in ("#", "type", "text", "chars", "score"):
        ents.add_column(col)
    for i, m in enumerate(result["mentions"]):
        ents.add_row(str(i), m["type"], m["text"], f"{m['start']}-{m['end']}", f"{m['score']:.2f}")
    console.print(ents)
    if not result["relations"]:
        console.print("no relations found")
        return
    rels = styled_table("relations (head -> tail)")
    for col in ("head", "relation", "tail", "score"):
        rels.add_column(col)
    for r in result["relations"]:
        rels.add_row(r["head_text"], r["type"], r["tail_text"], f"{r['score']:.2f}")
    console.print(rels)
