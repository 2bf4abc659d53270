-- Issue 17 (trends, duplicates, topics). Self-contained: applies on a catalog with or without 0006/0007.
CREATE TABLE IF NOT EXISTS paper_aliases (
    alias TEXT PRIMARY KEY,              -- the id of a duplicate merged into another paper
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,  -- the kept paper it resolves to
    evidence TEXT NOT NULL DEFAULT '{}', -- JSON: why the two were judged the same paper
    merged TEXT NOT NULL                 -- when
);
CREATE INDEX IF NOT EXISTS paper_aliases_paper ON paper_aliases(paper_pk);

CREATE TABLE IF NOT EXISTS predicted_categories (
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    category TEXT NOT NULL,              -- a predicted arXiv category; never written to paper_categories
    rank INTEGER NOT NULL,               -- 1 = most probable
    confidence REAL NOT NULL,            -- the model's probability
    model TEXT NOT NULL,                 -- which predictor (name, training size) made it
    content_hash TEXT NOT NULL,          -- the paper version it was predicted from
    PRIMARY KEY (paper_pk, category)
);
CREATE INDEX IF NOT EXISTS predicted_categories_category ON predicted_categories(category, rank);
