-- 010: story clusters. A MinHash signature per document (rebuilt when its text changes) and each document's
-- place in its story, recomputed from the signatures after every run (see transforms/stories.py).

CREATE TABLE story_signatures (
    document_id  VARCHAR PRIMARY KEY,
    content_hash VARCHAR NOT NULL,   -- the version it was computed from
    shingles     INTEGER NOT NULL,   -- distinct word shingles of the body
    minhash      BLOB NOT NULL       -- 128 little-endian uint32 MinHash values
);

-- LSH bands of each signature: documents sharing a (band, hash) are candidates to compare.
CREATE TABLE story_bands (
    document_id VARCHAR NOT NULL,
    band        SMALLINT NOT NULL,
    h           BIGINT NOT NULL
);

CREATE TABLE story_members (
    document_id         VARCHAR PRIMARY KEY,
    story_id            VARCHAR NOT NULL,   -- the document_id of the story's first document
    position            BIGINT NOT NULL,    -- first-seen order over all documents
    matched_document_id VARCHAR,            -- the earlier document it copies; NULL for a story's first document
    jaccard             DOUBLE,             -- estimated similarity to it
    containment         DOUBLE
);

-- documents as in 009, plus story_id: a document not (yet) in story_members is a story of its own.
CREATE OR REPLACE VIEW documents AS
SELECT k.document_id, k.source_id, k.kind, v.url, v.title, v.author, v.published_at, v.conference,
       v.decision, v.body, k.first_seen_at, k.last_seen_at, k.removed_at, v.body_source,
       coalesce(m.story_id, k.document_id) AS story_id
FROM document_keys k
JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
LEFT JOIN story_members m ON m.document_id = k.document_id;

-- One row per story with copies or not: its first document, how often and where it appeared.
CREATE OR REPLACE VIEW stories AS
SELECT d.story_id,
       any_value(d.title) FILTER (WHERE d.document_id = d.story_id) AS title,
       any_value(d.url) FILTER (WHERE d.document_id = d.story_id) AS url,
       any_value(d.source_id) FILTER (WHERE d.document_id = d.story_id) AS source_id,
       any_value(d.first_seen_at) FILTER (WHERE d.document_id = d.story_id) AS first_seen_at,
       count(*) AS documents,
       count(*) FILTER (WHERE d.document_id <> d.story_id) AS copy_count,
       count(DISTINCT d.source_id) AS sources,
       coalesce(list({'document_id': d.document_id, 'url': d.url, 'source_id': d.source_id,
                      'first_seen_at': d.first_seen_at} ORDER BY m.position)
                    FILTER (WHERE d.document_id <> d.story_id), []) AS copies
FROM documents d
LEFT JOIN story_members m ON m.document_id = d.document_id
GROUP BY d.story_id;
