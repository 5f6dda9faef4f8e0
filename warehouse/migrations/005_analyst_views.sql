-- 005: analysts' views (document history, monthly mentions, source health, run log) and ranked full-text search.
-- Every view works on an empty warehouse; docs/schema.md documents each column.

-- Every stored version of every document, oldest first; `is_current` marks the one `documents` shows.
CREATE OR REPLACE VIEW document_history AS
SELECT v.document_id, k.source_id, k.kind, v.version, v.version = k.current_version AS is_current, v.seen_at,
       v.run_id, v.content_hash, v.url, v.title, v.author, v.published_at, v.conference, v.decision, v.year,
       v.motion_group, v.labels, v.body, v.raw_sha256
FROM document_versions v
JOIN document_keys k ON k.document_id = v.document_id;

-- Flagged documents per calendar month (UK time) of publication, or of discovery when undated, per topic and source.
-- A document flagged for two topics counts once under each; cleared flags do not count.
CREATE OR REPLACE VIEW mentions_monthly AS
SELECT CAST(date_trunc('month', timezone('Europe/London', coalesce(d.published_at, d.first_seen_at))) AS DATE)
           AS month,
       t.topic, d.source_id, count(*) AS mentions
FROM (SELECT document_id, unnest(topics) AS topic FROM flags WHERE cleared_at IS NULL) t
JOIN documents d ON d.document_id = t.document_id
GROUP BY ALL;

-- One row per configured source: when it last ran, last worked, last brought something new, and how many of
-- its most recent runs failed in a row (0 when the latest run succeeded).
CREATE OR REPLACE VIEW source_health AS
WITH source_history AS (
    SELECT sr.source_id, sr.status, sr.error, sr.finished_at,
           row_number() OVER latest_first AS recency,
           count(*) FILTER (WHERE sr.status = 'succeeded') OVER (
               latest_first ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS successes_since
    FROM source_runs sr
    JOIN runs r ON r.run_id = sr.run_id
    WINDOW latest_first AS (PARTITION BY sr.source_id ORDER BY r.started_at DESC, sr.finished_at DESC)
),
run_stats AS (
    SELECT source_id,
           max(finished_at) AS last_run_at,
           any_value(status) FILTER (WHERE recency = 1) AS last_status,
           any_value(error) FILTER (WHERE recency = 1) AS last_error,
           max(finished_at) FILTER (WHERE status = 'succeeded') AS last_success_at,
           count(*) FILTER (WHERE status = 'failed' AND successes_since = 0) AS failure_streak
    FROM source_history
    GROUP BY source_id
),
document_stats AS (
    SELECT k.source_id, count(*) AS documents, count(f.document_id) AS flagged,
           max(k.first_seen_at) AS last_new_item_at
    FROM document_keys k
    LEFT JOIN flags f ON f.document_id = k.document_id AND f.cleared_at IS NULL
    GROUP BY k.source_id
)
SELECT s.source_id, s.kind, s.name, s.url, s.enabled, r.last_run_at, r.last_status, r.last_success_at,
       d.last_new_item_at, coalesce(r.failure_streak, 0) AS failure_streak, r.last_error,
       coalesce(d.documents, 0) AS documents, coalesce(d.flagged, 0) AS flagged
FROM sources s
LEFT JOIN run_stats r ON r.source_id = s.source_id
LEFT JOIN document_stats d ON d.source_id = s.source_id;

-- One row per run with the totals of its sources; sums are BIGINT so every client reads them as plain integers.
CREATE OR REPLACE VIEW run_log AS
SELECT r.run_id, r.command, r.status, r.started_at, r.finished_at,
       epoch(r.finished_at - r.started_at) AS duration_seconds,
       count(sr.source_id) AS sources,
       count(sr.source_id) FILTER (WHERE sr.status = 'failed') AS sources_failed,
       CAST(coalesce(sum(sr.requests), 0) AS BIGINT) AS requests,
       CAST(coalesce(sum(sr.documents_seen), 0) AS BIGINT) AS documents_seen,
       CAST(coalesce(sum(sr.documents_new), 0) AS BIGINT) AS documents_new,
       CAST(coalesce(sum(sr.documents_changed), 0) AS BIGINT) AS documents_changed,
       CAST(coalesce(sum(sr.flags_new), 0) AS BIGINT) AS flags_new,
       CAST(coalesce(sum(sr.failures), 0) AS BIGINT) AS fetch_failures
FROM runs r
LEFT JOIN source_runs sr ON sr.run_id = r.run_id
GROUP BY r.run_id, r.command, r.status, r.started_at, r.finished_at;

-- Full-text search, offline: the fts extension would have to be downloaded, so BM25 is written out in SQL.
-- Words are runs of letters and digits, lower-cased, with plurals folded by Harman's S-stemmer
-- ("policies" -> "policy", "services" -> "service"; "process" and "status" stay).
CREATE OR REPLACE MACRO search_stem(word) AS CASE
    WHEN length(word) > 4 AND suffix(word, 'ies') AND NOT suffix(word, 'aies') AND NOT suffix(word, 'eies')
        THEN left(word, length(word) - 3) || 'y'
    WHEN length(word) > 3 AND suffix(word, 's') AND NOT suffix(word, 'us') AND NOT suffix(word, 'ss')
        THEN left(word, length(word) - 1)
    ELSE word
END;

CREATE OR REPLACE MACRO search_tokens(text) AS
    list_transform(
        list_filter(regexp_split_to_array(lower(coalesce(text, '')), '[^\p{L}\p{N}]+'), lambda token: token <> ''),
        lambda token: search_stem(token));

-- BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))) over title and body, a title word
-- counting as three body words. Any query word may match; documents matching none are left out.
CREATE OR REPLACE MACRO search_documents(query) AS TABLE
WITH terms AS (
    SELECT DISTINCT unnest(search_tokens(query)) AS term
),
tokens AS (
    SELECT document_id, 3 AS weight, unnest(search_tokens(title)) AS term FROM documents
    UNION ALL
    SELECT document_id, 1 AS weight, unnest(search_tokens(body)) AS term FROM documents
),
lengths AS (
    SELECT document_id, sum(weight) AS dl FROM tokens GROUP BY document_id
),
corpus AS (
    SELECT count(*) AS n, avg(dl) AS avgdl FROM lengths
),
frequencies AS (
    SELECT document_id, term, sum(weight) AS tf FROM tokens JOIN terms USING (term) GROUP BY document_id, term
),
document_frequencies AS (
    SELECT term, count(*) AS df FROM frequencies GROUP BY term
),
scores AS (
    SELECT f.document_id,
           sum(ln(1 + (c.n - df.df + 0.5) / (df.df + 0.5))
               * f.tf * (1.2 + 1) / (f.tf + 1.2 * (1 - 0.75 + 0.75 * l.dl / c.avgdl))) AS score
    FROM frequencies f
    JOIN document_frequencies df ON df.term = f.term
    JOIN lengths l ON l.document_id = f.document_id
    CROSS JOIN corpus c
    GROUP BY f.document_id
)
SELECT d.document_id, d.source_id, d.kind, d.url, d.title, d.published_at, s.score
FROM scores s
JOIN documents d ON d.document_id = s.document_id
ORDER BY s.score DESC, d.published_at DESC NULLS LAST, d.document_id;
