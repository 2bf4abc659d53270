"""The SciERC scorer on hand-checked cases: entities, Rel (spans + label) and Rel+ (also entity types)."""

from __future__ import annotations

import json

import pytest
from paperkg.graph.tagger.data import parse_document
from paperkg.graph.tagger.inference import SentencePrediction
from paperkg.graph.tagger.scoring import Scores, score_documents


def test_entities_need_exact_span_and_type():
    s = Scores()
    gold = [(0, 1, "Method"), (3, 3, "Task"), (5, 6, "Metric")]
    pred = [(0, 1, "Method"), (3, 3, "Method"), (5, 7, "Metric"), (9, 9, "Generic")]
    s.add_sentence(gold, [], pred, [])
    assert (s.ner.tp, s.ner.pred, s.ner.gold) == (1, 4, 3)
    assert s.ner.precision == pytest.approx(0.25)
    assert s.ner.recall == pytest.approx(1 / 3)
    assert s.ner.f1 == pytest.approx(2 * 0.25 * (1 / 3) / (0.25 + 1 / 3))
    assert s.ner_by_type["Method"].pred == 2 and s.ner_by_type["Method"].tp == 1
    assert s.ner_by_type["Task"].gold == 1 and s.ner_by_type["Task"].tp == 0


def test_relations_directed_and_strict_needs_types():
    s = Scores()
    gold_ents = [(0, 1, "Method"), (3, 3, "Task"), (5, 6, "Metric")]
    gold_rels = [(0, 1, 3, 3, "USED-FOR"), (5, 6, 0, 1, "EVALUATE-FOR")]
    # entity (3,3) gets the wrong type: its relation counts for Rel but not Rel+
    pred_ents = [(0, 1, "Method"), (3, 3, "Method"), (5, 6, "Metric")]
    pred_rels = [
        (0, 1, 3, 3, "USED-FOR"),  # right spans and label, wrong tail type -> Rel yes, Rel+ no
        (0, 1, 5, 6, "EVALUATE-FOR"),  # reversed direction -> wrong
        (5, 6, 3, 3, "USED-FOR"),  # not in gold
    ]
    s.add_sentence(gold_ents, gold_rels, pred_ents, pred_rels)
    assert (s.rel.tp, s.rel.pred, s.rel.gold) == (1, 3, 2)
    assert (s.rel_strict.tp, s.rel_strict.pred, s.rel_strict.gold) == (0, 3, 2)
    assert s.rel.f1 == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    assert s.rel_strict.f1 == 0.0
    assert s.rel_by_type["USED-FOR"].tp == 1 and s.rel_by_type["EVALUATE-FOR"].gold == 1


def test_relation_with_unpredicted_argument_is_not_strict():
    s = Scores()
    s.add_sentence(
        [(0, 0, "Task"), (2, 2, "Method")],
        [(2, 2, 0, 0, "USED-FOR")],
        [(0, 0, "Task")],
        [(2, 2, 0, 0, "USED-FOR")],
    )
    assert s.rel.tp == 1 and s.rel_strict.tp == 0


def test_empty_is_zero_not_error():
    s = Scores()
    s.add_sentence([], [], [], [])
    out = s.summary()
    assert out["ner_f1"] == 0.0 and out["rel_strict_f1"] == 0.0


def test_score_documents_uses_sentence_local_offsets():
    # two sentences, document-level offsets in the file: the second sentence starts at token 3
    record = {
        "doc_key": "x",
        "sentences": [["A", "B", "C"], ["D", "-LRB-", "E", "-RRB-"]],
        "ner": [[[0, 0, "Method"]], [[3, 3, "Task"], [5, 5, "Method"]]],
        "relations": [[], [[5, 5, 3, 3, "USED-FOR"]]],
    }
    doc = parse_document(json.loads(json.dumps(record)))
    assert doc.sentences[1].words == ["D", "(", "E", ")"]
    assert doc.sentences[1].entities == [(0, 0, "Task"), (2, 2, "Method")]
    preds = [
        [
            SentencePrediction(entities=[(0, 0, "Method", 0.9)]),
            SentencePrediction(
                entities=[(0, 0, "Task", 0.8), (2, 2, "Method", 0.7)], relations=[(1, 0, "USED-FOR", 0.6)]
            ),
        ]
    ]
    out = score_documents([doc], preds).summary()
    assert out["ner_f1"] == 1.0 and out["rel_f1"] == 1.0 and out["rel_strict_f1"] == 1.0
