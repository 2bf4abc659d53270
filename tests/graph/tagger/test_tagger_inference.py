"""The shipped tagger: predictions, spaCy component, robustness to empty, long, foreign and odd text.

These tests name specific spans, so they run the exact fp32 path: int8 kernels differ by CPU (AVX2, AVX-512
VNNI, AMX) and flip borderline spans such as "SVM-based approach". The int8 path is checked against the exact
one with tolerances in test_tagger_fast.py and test_tagger_gate.py."""

from __future__ import annotations

import pytest
import spacy
import torch
from paperkg.graph.tagger.inference import BACKEND_ENV, MAX_SENTENCE_WORDS, get_tagger
from paperkg.graph.tagger.model import featurize, windows

SVM = "We propose a novel SVM-based approach for text classification."


@pytest.fixture(scope="module")
def tagger():
    return get_tagger(backend="torch")


def test_windows_cover_everything_with_overlap():
    assert windows(10, 510) == [0]
    starts = windows(1200, 510)
    assert starts[0] == 0 and starts[-1] == 1200 - 510
    assert all(b - a <= 255 for a, b in zip(starts, starts[1:], strict=False))


def test_featurize_keeps_words_without_wordpieces(tagger):
    feats = featurize(tagger.tokenizer, [[["a", "\u200b", "\x07", "model"]]])[0]
    assert len(feats.first) == 4 and feats.ids[feats.first[1]] == tagger.tokenizer.unk_token_id


def test_finds_entities_and_relations(tagger):
    result = tagger.tag_texts([SVM])[0]
    types = {m.text.lower(): m.type for m in result.mentions}
    assert types.get("text classification") == "Task"
    assert any("svm" in t and typ == "Method" for t, typ in types.items())
    used_for = [
        (result.mentions[r.head].text, result.mentions[r.tail].text) for r in result.relations if r.type == "USED-FOR"
    ]
    assert any(tail == "text classification" for _, tail in used_for)
    for r in result.relations:
        assert r.head != r.tail and 0 <= r.head < len(result.mentions)


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x02", "。", "🙂🙂🙂"])
def test_empty_or_junk_text_gives_empty_or_valid_result(tagger, text):
    result = tagger.tag_texts([text])[0]
    for m in result.mentions:
        assert text[m.start : m.end] == m.text
    assert result.relations == [] or result.mentions


def test_non_english_and_control_characters(tagger):
    texts = [
        "Wir verwenden neuronale Netze für die maschinelle Übersetzung.",
        "我们提出了一种用于机器翻译的神经网络方法。",
        "Support\u00a0vector\u200bmachines\x0b for te\u0301xt classification\x1f.",
    ]
    for text, result in zip(texts, tagger.tag_texts(texts), strict=True):
        for m in result.mentions:
            assert text[m.start : m.end] == m.text and m.type


def test_long_text_uses_sliding_windows_not_truncation(tagger):
    text = " ".join([SVM] * 100)  # about 1,200 wordpieces, far beyond the 512-piece encoder window
    assert len(tagger.tokenizer(text)["input_ids"]) > 1000
    result = tagger.tag_texts([text])[0]
    last_start = text.rindex("text classification")
    assert any(m.start == last_start for m in result.mentions), "entities at the end of a long text are found"
    assert {m.sentence for m in result.mentions} >= {0, 99}


def test_run_on_sentence_is_split_for_pairs(tagger):
    text = " ".join(["support vector machines and text classification"] * 40)  # no sentence boundary
    result = tagger.tag_texts([text])[0]
    assert len(text.split()) > MAX_SENTENCE_WORDS
    for m in result.mentions:
        assert text[m.start : m.end] == m.text


def test_model_is_cached_per_process(tagger):
    assert get_tagger(backend="torch") is tagger


def test_window_inside_model_matches_short_input(tagger):
    """Long inputs are cut into windows; short ones must give the same vectors as a single pass."""
    feats = featurize(tagger.tokenizer, [[SVM.split()]])
    with torch.inference_mode():
        full, _ = tagger.model.encode(feats)
        old = tagger.model.window
        try:
            tagger.model.window = 12  # forces several windows
            windowed, _ = tagger.model.encode(feats)
        finally:
            tagger.model.window = old
    assert full.shape == windowed.shape


def test_spacy_component(monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, "torch")  # the component loads the default tagger: make it the exact one
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("paperkg_tagger")
    doc = nlp(SVM + " " + "Wir verwenden neuronale Netze.")
    assert any(s.text == "text classification" and s.label_ == "Task" for s in doc.spans["sc"])
    ents = list(doc.ents)
    assert ents and all(a.end <= b.start for a, b in zip(ents, ents[1:], strict=False))
    assert isinstance(doc._.relations, list)
    for rel in doc._.relations:
        assert rel["head"].label_ and rel["tail"].label_ and rel["label"]
    empty = nlp("")
    assert list(empty.ents) == [] and doc._.relations is not None
