-- Catalog of record, version 1: papers, their authors and categories, quarantine, ingest checkpoints, index state.
CREATE TABLE papers (
    pk INTEGER PRIMARY KEY,              -- stable integer key; also the FAISS vector id
    id TEXT NOT NULL UNIQUE,             -- canonical arXiv id (no version) or the source's own id
    title TEXT NOT NULL,
    abstract TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',  -- JSON list of names, in order
    categories TEXT NOT NULL DEFAULT '[]',
    submitted TEXT,
    updated TEXT,
    year INTEGER,
    doi TEXT,
    journal_ref TEXT,
    license TEXT,
    comments TEXT,
    versions TEXT NOT NULL DEFAULT '[]',
    latest_version INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_changed TEXT NOT NULL
);
CREATE INDEX papers_year ON papers(year);
CREATE INDEX papers_doi ON papers(doi);

CREATE TABLE paper_authors (
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (paper_pk, position)
);
CREATE INDEX paper_authors_name ON paper_authors(name);

CREATE TABLE paper_categories (
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    category TEXT NOT NULL,
    PRIMARY KEY (paper_pk, category)
);
CREATE INDEX paper_categories_category ON paper_categories(category);

CREATE TABLE quarantine (
    pk INTEGER PRIMARY KEY,
    source TEXT NOT NULL,                -- file path
    location TEXT NOT NULL,              -- "line 12", "byte 3456", "record 3"
    reason TEXT NOT NULL,
    excerpt TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL,
    UNIQUE (source, location)
);

CREATE TABLE checkpoints (
    source TEXT PRIMARY KEY,             -- resolved input path
    fingerprint TEXT NOT NULL,           -- size and mtime: a changed file starts over
    position INTEGER NOT NULL,           -- records consumed so far
    finished INTEGER NOT NULL DEFAULT 0,
    updated TEXT NOT NULL
);

CREATE TABLE index_state (
    name TEXT NOT NULL,                  -- which index ("dense")
    paper_pk INTEGER NOT NULL,
    content_hash TEXT NOT NULL,          -- the version of the paper that index holds
    PRIMARY KEY (name, paper_pk)
);
