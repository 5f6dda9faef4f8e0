-- 002: what incremental crawling needs: source markers, revalidation times, removals, HTTP validators,
-- and the parser role of each archived response so `reparse` can rebuild documents offline.

ALTER TABLE document_keys ADD COLUMN marker VARCHAR;          -- the source's own last-modified stamp
ALTER TABLE document_keys ADD COLUMN checked_at TIMESTAMPTZ;  -- last fetched or confirmed unchanged
ALTER TABLE document_keys ADD COLUMN removed_at TIMESTAMPTZ;  -- its page answered 404/410; never deleted
UPDATE document_keys SET checked_at = last_seen_at;

ALTER TABLE document_versions ADD COLUMN marker VARCHAR;
ALTER TABLE responses ADD COLUMN role VARCHAR;                -- which parser reads this body (e.g. 'feed', 'post')

-- Validators per URL for conditional GET; 304 answers refresh checked_at only.
CREATE TABLE http_cache (
    url           VARCHAR PRIMARY KEY,
    source_id     VARCHAR NOT NULL,
    etag          VARCHAR,
    last_modified VARCHAR,
    status        INTEGER NOT NULL,
    sha256        VARCHAR,
    checked_at    TIMESTAMPTZ NOT NULL
);

ALTER TABLE source_runs ADD COLUMN documents_unchanged INTEGER DEFAULT 0;
ALTER TABLE source_runs ADD COLUMN documents_removed INTEGER DEFAULT 0;
ALTER TABLE source_runs ADD COLUMN not_modified INTEGER DEFAULT 0;

CREATE OR REPLACE VIEW documents AS
SELECT k.document_id, k.source_id, k.kind, v.url, v.title, v.author, v.published_at, v.conference,
       v.decision, v.body, k.first_seen_at, k.last_seen_at, k.removed_at
FROM document_keys k
JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version;
