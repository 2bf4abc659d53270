-- Version 6: papers a later stage (tagger, encoder) could not process, with the reason. A paper stays failed
-- for that stage until its content changes (content_hash), so one bad paper never blocks a stage again.
-- IF NOT EXISTS: safe on a catalog that already has it, whatever order migrations landed in.
CREATE TABLE IF NOT EXISTS stage_failures (
    paper_pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    failed_at TEXT NOT NULL,
    PRIMARY KEY (paper_pk, stage)
);
CREATE INDEX IF NOT EXISTS stage_failures_stage ON stage_failures(stage);
