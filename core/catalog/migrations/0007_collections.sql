-- Version 7: collections of papers (a user's reading lists) and the papers marked not relevant in each.
-- IF NOT EXISTS: safe to run on a catalog that already has these tables, whatever order migrations landed in.
CREATE TABLE IF NOT EXISTS collections (
    pk INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS collection_papers (
    collection_pk INTEGER NOT NULL REFERENCES collections(pk) ON DELETE CASCADE,
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('member', 'dismissed')),  -- a paper is in a collection or dismissed
    added TEXT NOT NULL,
    PRIMARY KEY (collection_pk, paper_pk)
);
CREATE INDEX IF NOT EXISTS collection_papers_paper ON collection_papers(paper_pk);

-- the feed selects papers added to the catalog or published since a date
CREATE INDEX IF NOT EXISTS papers_first_seen ON papers(first_seen);
CREATE INDEX IF NOT EXISTS papers_submitted ON papers(submitted)
