-- Version 3: references extracted from PDFs and their match to catalog papers (CITES edges), plus full-text passages.
CREATE TABLE citations (
    pk INTEGER PRIMARY KEY,
    citing_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    position INTEGER NOT NULL,           -- order in the reference list
    raw TEXT NOT NULL,                   -- the reference entry as extracted
    arxiv_id TEXT,
    doi TEXT,
    title TEXT,
    authors TEXT NOT NULL DEFAULT '[]',  -- JSON list
    year INTEGER,
    cited_pk INTEGER REFERENCES papers(pk) ON DELETE SET NULL,  -- matched catalog paper
    external_key TEXT,                   -- stable key of an unmatched (external) paper: "arxiv:...", "doi:...", "title:..."
    match TEXT,                          -- how it was matched: arxiv, doi, title, or NULL
    UNIQUE (citing_pk, position)
);
CREATE INDEX citations_cited ON citations(cited_pk);
CREATE INDEX citations_external ON citations(external_key);

CREATE TABLE passages (
    pk INTEGER PRIMARY KEY,
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    UNIQUE (paper_pk, position)
);
