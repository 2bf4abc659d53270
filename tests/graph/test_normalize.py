"""Entity normalization: folding, plural heads, acronyms and their definitions."""

from __future__ import annotations

import pytest
from paperkg.graph.normalize import definitions_in_text, is_acronym, long_form, normalize


@pytest.mark.parametrize(
    ("surface", "key"),
    [
        ("Convolutional Neural Networks", "convolutional neural network"),
        ("the convolutional neural network", "convolutional neural network"),
        ("state-of-the-art methods", "state of the art method"),
        ("Naïve  Bayes", "naive bayes"),
        ("ＢＥＲＴ", "bert"),  # full-width letters fold (NFKC)
        ("matrices", "matrix"),
        ("word embeddings", "word embedding"),
        ("machine learning", "machine learning"),  # a gerund head is not a plural
        ("time series", "time series"),
        ("data", "data"),
        ("F1-score", "f1 score"),
        ("C++", "c++"),
        ("our approach", "approach"),
        ("this", ""),
    ],
)
def test_phrase_keys(surface: str, key: str):
    assert normalize(surface).key == key


def test_acronyms():
    assert normalize("CNNs").acronym == "cnn"
    assert normalize("the LSTMs").acronym == "lstm"
    assert is_acronym("BiLSTM") and is_acronym("GPT-2")
    assert not is_acronym("Transformer") and not is_acronym("a")


def test_long_form_schwartz_hearst():
    assert long_form("CNN", "we train a convolutional neural network") == "convolutional neural network"
    assert long_form("LSTM", "long short-term memory") == "long short-term memory"
    assert long_form("XYZ", "convolutional neural network") is None


def test_mention_that_carries_its_definition():
    n = normalize("graph neural networks (GNNs)")
    assert n.key == "graph neural network" and n.defines == ("gnn", "graph neural network")


def test_definitions_in_text():
    text = "We use a convolutional neural network (CNN) and long short-term memory (LSTM), not (XYZ)."
    spans = [
        (text.index(s), text.index(s) + len(s), s)
        for s in ("convolutional neural network", "long short-term memory", "CNN")
    ]
    assert definitions_in_text(text, spans) == [
        ("cnn", "convolutional neural network"),
        ("lstm", "long short term memory"),
    ]


@pytest.mark.parametrize(
    "surface, clean",
    [
        ("VLA-", "VLA"),  # a span cut at "VLA-based"
        ("VLAs)", "VLAs"),  # an unmatched bracket of "(VLAs)"
        ("(CNN", "CNN"),
        ("diffusion models,", "diffusion models"),
        ("K-", "K-"),  # notation stays: a kaon, a pion, a function, a balanced bracket
        ("pi+", "pi+"),
        ("f(z)", "f(z)"),
        ("gluon-(anti)quark", "gluon-(anti)quark"),
    ],
)
def test_clean_surface(surface: str, clean: str):
    from paperkg.graph.normalize import clean_surface

    assert clean_surface(surface) == clean


def test_surface_forms_split_definitions_and_drop_lists():
    from paperkg.graph.normalize import surface_forms

    assert surface_forms("Large Hadron Collider (LHC)") == ["Large Hadron Collider", "LHC"]
    assert surface_forms("spatial grounding, scene reasoning") == []
    assert normalize("spatial grounding, scene reasoning").key == ""  # not linked: several entities in one span
    assert surface_forms("f(x, y) regularizer") == ["f(x, y) regularizer"]  # a comma inside brackets
    assert normalize("VLAs)").key == normalize("VLA-").key == normalize("VLA").key == "vla"
