-- 011: relatedness to the campaign, learned from labelled examples (transforms/related.py), beside the exact
-- topic flags. A flagged document is always related; flags and flagged_documents are unchanged.

-- One row per scored document: the score of its current version, whether it reaches the model's threshold,
-- the passage that carried it, and the examples file it was scored with (reparse rescores when that changes).
CREATE TABLE relatedness (
    document_id          VARCHAR PRIMARY KEY,
    version              INTEGER NOT NULL,
    score                DOUBLE NOT NULL,        -- 0-1
    related              BOOLEAN NOT NULL,       -- score >= the model's threshold
    passage              VARCHAR NOT NULL,       -- when related: the title or sentences scoring highest; else ''
    examples_fingerprint VARCHAR NOT NULL,
    related_at           TIMESTAMPTZ,            -- when the score first reached the threshold; kept after
    scored_at            TIMESTAMPTZ NOT NULL
);

-- The documents view of 010 with two columns added at the end: related_score and related.
CREATE OR REPLACE VIEW documents AS
SELECT k.document_id, k.source_id, k.kind, v.url, v.title, v.author, v.published_at, v.conference,
       v.decision, v.body, k.first_seen_at, k.last_seen_at, k.removed_at, v.body_source,
       coalesce(m.story_id, k.document_id) AS story_id,
       r.score AS related_score,
       f.document_id IS NOT NULL OR coalesce(r.related, false) AS related
FROM document_keys k
JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
LEFT JOIN story_members m ON m.document_id = k.document_id
LEFT JOIN relatedness r ON r.document_id = k.document_id
LEFT JOIN flags f ON f.document_id = k.document_id AND f.cleared_at IS NULL;

-- Every related document: flagged by the topic rules, or scored related without being flagged.
CREATE OR REPLACE VIEW related_documents AS
SELECT d.document_id, d.source_id, d.url, d.title, d.published_at, d.related_score,
       f.document_id IS NOT NULL AS flagged, f.topics, r.passage,
       coalesce(f.flagged_at, r.related_at) AS related_at
FROM documents d
LEFT JOIN relatedness r ON r.document_id = d.document_id
LEFT JOIN flags f ON f.document_id = d.document_id AND f.cleared_at IS NULL
WHERE d.related;

-- What alerting sends: flags (cleared ones too when include_cleared), and with include_related the documents
-- scored related that carry no such flag, their passage in place of a snippet and related_only set.
CREATE OR REPLACE MACRO alert_documents(include_related, include_cleared) AS TABLE
SELECT document_id, topics, matched_terms, snippet, flagged_at, false AS related_only
FROM flags
WHERE include_cleared OR cleared_at IS NULL
UNION ALL
SELECT r.document_id, CAST([] AS VARCHAR[]), CAST([] AS VARCHAR[]), r.passage, r.related_at, true
FROM relatedness r
WHERE include_related AND r.related
  AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.document_id = r.document_id
                                          AND (include_cleared OR f.cleared_at IS NULL));
