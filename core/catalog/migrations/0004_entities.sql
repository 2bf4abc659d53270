-- Version 4: canonical entities resolved from tagger mentions, acronym definitions, and Neo4j sync state.
CREATE TABLE entities (
    pk INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,            -- normalized form; also the public entity id
    name TEXT NOT NULL,                  -- display name: the most frequent surface form
    type TEXT NOT NULL,                  -- majority type over its mentions
    aliases TEXT NOT NULL DEFAULT '[]',  -- JSON list of distinct surface forms, most frequent first
    mention_count INTEGER NOT NULL DEFAULT 0,
    paper_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX entities_paper_count ON entities(paper_count);

CREATE TABLE mention_entities (
    mention_pk INTEGER PRIMARY KEY REFERENCES mentions(pk) ON DELETE CASCADE,
    entity_pk INTEGER NOT NULL REFERENCES entities(pk) ON DELETE CASCADE,
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE
);
CREATE INDEX mention_entities_entity ON mention_entities(entity_pk);
CREATE INDEX mention_entities_paper ON mention_entities(paper_pk);

CREATE TABLE entity_aliases (
    alias TEXT NOT NULL,                 -- casefolded surface form, for lookups and search
    entity_pk INTEGER NOT NULL REFERENCES entities(pk) ON DELETE CASCADE,
    PRIMARY KEY (alias, entity_pk)
);
CREATE INDEX entity_aliases_entity ON entity_aliases(entity_pk);

CREATE TABLE acronyms (
    acronym TEXT NOT NULL,               -- normalized short form ("cnn")
    long_key TEXT NOT NULL,              -- normalized long form ("convolutional neural network")
    papers INTEGER NOT NULL DEFAULT 0,   -- how many papers define it so
    PRIMARY KEY (acronym, long_key)
);

CREATE TABLE mentions_skipped (
    mention_pk INTEGER PRIMARY KEY REFERENCES mentions(pk) ON DELETE CASCADE  -- Generic or empty after folding
);

CREATE TABLE sync_state (
    target TEXT NOT NULL,                -- "uri/database" of a graph server
    kind TEXT NOT NULL,                  -- paper, entity, relation
    key TEXT NOT NULL,
    digest TEXT NOT NULL,                -- hash of what was pushed
    PRIMARY KEY (target, kind, key)
);
