-- Where a version's body comes from: 'full' (the publication's own text, from its page, feed or API) or
-- 'summary' (only the feed's summary, because the article page is gone). NULL for versions loaded before.
ALTER TABLE document_versions ADD COLUMN body_source VARCHAR;
ALTER TABLE quarantine ADD COLUMN body_source VARCHAR;

CREATE OR REPLACE VIEW documents AS
SELECT k.document_id, k.source_id, k.kind, v.url, v.title, v.author, v.published_at, v.conference,
       v.decision, v.body, k.first_seen_at, k.last_seen_at, k.removed_at, v.body_source
FROM document_keys k
JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version;
