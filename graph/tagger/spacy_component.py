"""spaCy pipeline component `paperkg_tagger`: nested spans in doc.spans["sc"], the best non-overlapping
ones in doc.ents, and relations in doc._.relations.

    nlp = spacy.blank("en"); nlp.add_pipe("sentencizer"); nlp.add_pipe("paperkg_tagger")
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from paperkg.graph.tagger.inference import get_tagger, split_words
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

SPANS_KEY = "sc"

if not Doc.has_extension("relations"):
    Doc.set_extension("relations", default=None)
if not Span.has_extension("score"):
    Span.set_extension("score", default=None)


class TaggerComponent:
    def __init__(self, nlp: Language, name: str, model_dir: str | None, batch_size: int) -> None:
        self.name = name
        self.model_dir = model_dir or None
        self.batch_size = batch_size

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        size = batch_size or self.batch_size
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._annotate(batch)
                batch = []
        if batch:
            yield from self._annotate(batch)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        tagger = get_tagger(self.model_dir)
        split = [split_words(doc) for doc in docs]
        preds = tagger.predict_sentences([words for words, _, _ in split], batch_size=self.batch_size)
        for doc, (_, tokens, sent_ids), pred in zip(docs, split, preds, strict=True):
            spans: list[Span] = []
            relations = []
            for sent_toks, sent, sp in zip(tokens, sent_ids, pred, strict=True):
                local = []
                for a, b, label, score in sp.entities:
                    span = Span(doc, sent_toks[a], sent_toks[b] + 1, label=label)
                    span._.score = score
                    local.append(span)
                spans.extend(local)
                for h, t, label, score in sp.relations:
                    relations.append(
                        {"head": local[h], "tail": local[t], "label": label, "score": score, "sentence": sent}
                    )
            doc.spans[SPANS_KEY] = spans
            # doc.ents cannot nest: keep the highest-scoring span of each overlapping group
            best = sorted(spans, key=lambda s: -s._.score)
            doc.ents = sorted(filter_spans(_greedy(best)), key=lambda s: s.start)
            doc._.relations = relations
        return docs


def _greedy(spans_by_score: list[Span]) -> list[Span]:
    taken: set[int] = set()
    kept = []
    for span in spans_by_score:
        if taken.isdisjoint(range(span.start, span.end)):
            kept.append(span)
            taken.update(range(span.start, span.end))
    return kept


@Language.factory(
    "paperkg_tagger",
    default_config={"model_dir": None, "batch_size": 16},
    requires=["token.is_sent_start"],
    assigns=["doc.ents", "doc.spans", "doc._.relations"],
)
def make_tagger(nlp: Language, name: str, model_dir: str | None, batch_size: int) -> TaggerComponent:
    return TaggerComponent(nlp, name, model_dir, batch_size)
