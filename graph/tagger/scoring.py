"""SciERC scoring as in DyGIE++/PURE: micro P/R/F1 per sentence for entities, Rel and Rel+ (strict)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from paperkg.graph.tagger.data import Document, Entity, Relation

SCORE_KEYS = ("ner", "rel", "rel_strict")


@dataclass(slots=True)
class PRF:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Scores:
    ner: PRF = field(default_factory=PRF)
    rel: PRF = field(default_factory=PRF)
    rel_strict: PRF = field(default_factory=PRF)
    ner_by_type: dict[str, PRF] = field(default_factory=dict)
    rel_by_type: dict[str, PRF] = field(default_factory=dict)
    rel_strict_by_type: dict[str, PRF] = field(default_factory=dict)

    def add_sentence(
        self,
        gold_ents: list[Entity],
        gold_rels: list[Relation],
        pred_ents: list[Entity],
        pred_rels: list[Relation],
    ) -> None:
        """One sentence. Relations are (head start, head end, tail start, tail end, label), directed.

        A predicted relation counts for Rel when both argument spans and the label match a gold relation,
        and for Rel+ when in addition the predicted types of both arguments equal their gold types.
        """
        gold_set = set(gold_ents)
        for _s, _e, t in gold_ents:
            self.ner.gold += 1
            self.ner_by_type.setdefault(t, PRF()).gold += 1
        for ent in pred_ents:
            hit = ent in gold_set
            self.ner.pred += 1
            self.ner.tp += hit
            typed = self.ner_by_type.setdefault(ent[2], PRF())
            typed.pred += 1
            typed.tp += hit
        gold_type = {(s, e): t for s, e, t in gold_ents}
        pred_type = {(s, e): t for s, e, t in pred_ents}
        gold_rel_set = set(gold_rels)
        for *_, label in gold_rels:
            for total, table in ((self.rel, self.rel_by_type), (self.rel_strict, self.rel_strict_by_type)):
                total.gold += 1
                table.setdefault(label, PRF()).gold += 1
        for rel in pred_rels:
            hs, he, ts, te, label = rel
            hit = rel in gold_rel_set
            strict = hit and all(
                pred_type.get(span) is not None and pred_type.get(span) == gold_type.get(span)
                for span in ((hs, he), (ts, te))
            )
            for total, table, ok in (
                (self.rel, self.rel_by_type, hit),
                (self.rel_strict, self.rel_strict_by_type, strict),
            ):
                total.pred += 1
                total.tp += ok
                typed = table.setdefault(label, PRF())
                typed.pred += 1
                typed.tp += ok

    def summary(self) -> dict:
        out: dict = {}
        for key in SCORE_KEYS:
            prf: PRF = getattr(self, key)
            out[f"{key}_p"], out[f"{key}_r"], out[f"{key}_f1"] = prf.precision, prf.recall, prf.f1
            out[f"{key}_counts"] = {"tp": prf.tp, "pred": prf.pred, "gold": prf.gold}
        out["per_type"] = {
            name: {
                t: {"p": v.precision, "r": v.recall, "f1": v.f1, "gold": v.gold, "pred": v.pred}
                for t, v in sorted(getattr(self, f"{name}_by_type").items())
            }
            for name in ("ner", "rel", "rel_strict")
        }
        return out


def score_documents(gold: list[Document], predicted: Iterable) -> Scores:
    """Score predictions (per document, per sentence: `.entities` (s, e, type, score) and `.relations`
    (head index, tail index, type, score) into that sentence's entity list) against gold documents."""
    scores = Scores()
    for doc, preds in zip(gold, predicted, strict=True):
        for sent, pred in zip(doc.sentences, preds, strict=True):
            ents = [(s, e, t) for s, e, t, *_ in pred.entities]
            rels = [(*ents[h][:2], *ents[t][:2], label) for h, t, label, *_ in pred.relations]
            scores.add_sentence(sent.entities, sent.relations, ents, rels)
    return scores


def type_counts(docs: list[Document]) -> Counter:
    return Counter(t for d in docs for s in d.sentences for *_, t in s.entities)
