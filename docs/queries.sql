-- Example queries for analysts. Run one with `unionwatch sql "..."`, or open the snapshot in any DuckDB
-- client: duckdb -readonly data/unionwatch.snapshot.duckdb. The views are described in schema.md.
-- tests/test_schema_docs.py runs every query here against a freshly ingested warehouse.

-- 1. The latest flagged publications, newest first, with the words that matched.
SELECT published_at::DATE AS published, title, topics, matched_terms, url
FROM flagged_documents
ORDER BY published_at DESC NULLS LAST
LIMIT 20;

-- 2. Mentions per year and topic, one column per topic (for a spreadsheet chart).
PIVOT (SELECT year(month) AS year, topic, mentions FROM mentions_monthly)
ON topic USING coalesce(sum(mentions), 0)::BIGINT
ORDER BY year;

-- 3. Which sources talk about which topic most.
SELECT s.name AS source, m.topic, sum(m.mentions) AS mentions
FROM mentions_monthly m
JOIN source_health s USING (source_id)
GROUP BY ALL
ORDER BY mentions DESC, source, m.topic;

-- 4. Full-text search: the ten documents that best match some words, flagged or not.
SELECT round(score, 2) AS score, published_at::DATE AS published, source_id, title, url
FROM search_documents('shared service centre payroll')
LIMIT 10;

-- 5. Sources needing attention: failing now, or nothing new for 30 days.
SELECT source_id, name, last_status, failure_streak, last_success_at, last_new_item_at, last_error
FROM source_health
WHERE enabled AND (failure_streak > 0 OR last_new_item_at < now() - INTERVAL 30 DAY OR last_new_item_at IS NULL)
ORDER BY failure_streak DESC, last_new_item_at NULLS FIRST;

-- 6. Every source with its totals and the state of its latest run.
SELECT source_id, kind, documents, flagged, last_status, failure_streak, last_run_at
FROM source_health
ORDER BY source_id;

-- 7. Publications edited after unionwatch first saw them, with their old and new titles.
SELECT document_id, version, seen_at, lag(title) OVER (PARTITION BY document_id ORDER BY version) AS previous_title,
       title
FROM document_history
WHERE document_id IN (SELECT document_id FROM document_history WHERE version > 1)
ORDER BY document_id, version;

-- 8. The last ten runs: how long they took and what they brought.
SELECT started_at, command, status, round(duration_seconds, 1) AS seconds, sources_failed, requests,
       documents_new, documents_changed, flags_new
FROM run_log
ORDER BY started_at DESC
LIMIT 10;

-- 9. Conference motions on the topics, by conference and decision.
SELECT d.conference, d.decision, count(*) AS motions, list(d.title ORDER BY d.published_at) AS titles
FROM flagged_documents f
JOIN documents d USING (document_id)
WHERE d.kind = 'motion'
GROUP BY ALL
ORDER BY motions DESC, d.conference;

-- 10. The words that trigger flags most often.
SELECT term, count(*) AS documents
FROM (SELECT unnest(matched_terms) AS term FROM flagged_documents)
GROUP BY term
ORDER BY documents DESC, term;

-- 11. Related items the topic rules do not flag, most related first, with the passage that carried the score
--     (`unionwatch explain URL` shows the closest labelled examples too).
SELECT round(related_score, 2) AS score, title, passage, url
FROM related_documents
WHERE NOT flagged
ORDER BY related_score DESC;
