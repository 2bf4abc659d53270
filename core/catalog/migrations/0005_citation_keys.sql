-- Version 5: match keys, so citations match papers by index lookups however large the catalog grows.
CREATE TABLE paper_match_keys (
    paper_pk INTEGER PRIMARY KEY REFERENCES papers(pk) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,          -- the paper version these keys were computed from
    doi TEXT,                            -- lower-case DOI
    title_key TEXT NOT NULL,             -- normalized title with every space removed ("contentbasedcitation...")
    title_rkey TEXT NOT NULL,            -- title_key reversed: prefix lookups on it find shared endings
    matched INTEGER NOT NULL DEFAULT 0   -- 1 once citations stored before these keys were matched against them
);
CREATE INDEX paper_match_keys_unmatched ON paper_match_keys(matched) WHERE matched = 0;
CREATE INDEX paper_match_keys_doi ON paper_match_keys(doi);
CREATE INDEX paper_match_keys_title ON paper_match_keys(title_key);
CREATE INDEX paper_match_keys_rtitle ON paper_match_keys(title_rkey);

ALTER TABLE citations ADD COLUMN title_key TEXT;
ALTER TABLE citations ADD COLUMN title_rkey TEXT;
ALTER TABLE citations ADD COLUMN tried INTEGER NOT NULL DEFAULT 0;  -- 1 once matched against every paper
CREATE INDEX citations_title_key ON citations(title_key);
CREATE INDEX citations_title_rkey ON citations(title_rkey);
CREATE INDEX citations_arxiv ON citations(arxiv_id);
CREATE INDEX citations_doi ON citations(doi);
CREATE INDEX citations_untried ON citations(tried) WHERE tried = 0
