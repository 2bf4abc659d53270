-- Version 2: what the tagger found in each paper's title and abstract.
CREATE TABLE mentions (
    pk INTEGER PRIMARY KEY,
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    start INTEGER NOT NULL,              -- character offsets into paper text (title + ". " + abstract)
    end INTEGER NOT NULL,                -- exclusive
    text TEXT NOT NULL,
    type TEXT NOT NULL,                  -- Task, Method, Metric, Material, OtherScientificTerm, Generic
    score REAL NOT NULL,
    sentence INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mentions_paper ON mentions(paper_pk);

CREATE TABLE relations (
    pk INTEGER PRIMARY KEY,
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    head_mention INTEGER NOT NULL REFERENCES mentions(pk) ON DELETE CASCADE,
    tail_mention INTEGER NOT NULL REFERENCES mentions(pk) ON DELETE CASCADE,
    type TEXT NOT NULL,                  -- USED-FOR, FEATURE-OF, HYPONYM-OF, PART-OF, COMPARE, CONJUNCTION, EVALUATE-FOR
    score REAL NOT NULL,
    sentence INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX relations_paper ON relations(paper_pk);

CREATE TABLE tag_state (
    paper_pk INTEGER PRIMARY KEY REFERENCES papers(pk) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,          -- the paper version that was tagged
    model TEXT NOT NULL                  -- tagger artifact version
);
