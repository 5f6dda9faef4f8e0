-- 001: sources, runs, raw archive, documents with versions, flags, and the analysts' first two views.

CREATE TABLE sources (
    source_id     VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    enabled       BOOLEAN NOT NULL,
    delay_seconds DOUBLE NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE runs (
    run_id      VARCHAR PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,   -- running | succeeded | failed | abandoned
    command     VARCHAR NOT NULL
);

CREATE TABLE source_runs (
    run_id            VARCHAR NOT NULL,
    source_id         VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,   -- succeeded | failed
    discovered_via    VARCHAR,
    requests          INTEGER NOT NULL,
    documents_seen    INTEGER NOT NULL,
    documents_new     INTEGER NOT NULL,
    documents_changed INTEGER NOT NULL,
    flags_new         INTEGER NOT NULL,
    failures          INTEGER NOT NULL,
    error             VARCHAR,
    finished_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, source_id)
);

-- Raw archive: every parsed body once, zlib-compressed, addressed by the sha256 of the uncompressed bytes.
CREATE TABLE raw_bodies (
    sha256           VARCHAR PRIMARY KEY,
    size_bytes       BIGINT NOT NULL,
    body_zlib        BLOB NOT NULL,
    first_fetched_at TIMESTAMPTZ NOT NULL
);

-- One row per distinct (URL, body): a refetch of an unchanged page only moves last_fetched_at.
CREATE TABLE responses (
    url              VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    final_url        VARCHAR NOT NULL,
    status           INTEGER NOT NULL,
    headers_json     VARCHAR NOT NULL,
    first_fetched_at TIMESTAMPTZ NOT NULL,
    last_fetched_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (url, sha256)
);

CREATE TABLE fetch_failures (
    run_id    VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    url       VARCHAR NOT NULL,
    reason    VARCHAR NOT NULL,
    status    INTEGER,
    attempts  INTEGER NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE document_keys (
    document_id     VARCHAR PRIMARY KEY,
    source_id       VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,
    current_version INTEGER NOT NULL,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE document_versions (
    document_id  VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    content_hash VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    title        VARCHAR NOT NULL,
    author       VARCHAR,
    published_at TIMESTAMPTZ,
    conference   VARCHAR,
    decision     VARCHAR,
    year         INTEGER,
    motion_group VARCHAR,
    labels       VARCHAR[] NOT NULL,
    body         VARCHAR NOT NULL,
    raw_sha256   VARCHAR,
    run_id       VARCHAR NOT NULL,
    seen_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (document_id, version)
);

-- The current flag of each document; cleared_at is set when an edit removes the mention.
CREATE TABLE flags (
    document_id       VARCHAR PRIMARY KEY,
    version           INTEGER NOT NULL,
    topics            VARCHAR[] NOT NULL,
    matched_terms     VARCHAR[] NOT NULL,
    score             DOUBLE NOT NULL,
    snippet           VARCHAR NOT NULL,
    rules_fingerprint VARCHAR NOT NULL,
    flagged_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    cleared_at        TIMESTAMPTZ
);

CREATE VIEW documents AS
SELECT k.document_id, k.source_id, k.kind, v.url, v.title, v.author, v.published_at, v.conference,
       v.decision, v.body, k.first_seen_at, k.last_seen_at
FROM document_keys k
JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version;

CREATE VIEW flagged_documents AS
SELECT f.document_id, d.url, d.title, d.published_at, f.topics, f.matched_terms, f.snippet, f.flagged_at
FROM flags f
JOIN documents d USING (document_id)
WHERE f.cleared_at IS NULL;
