-- 006: what makes an item news for alerts: the document version that made it flagged, and why a queued
-- alert is news (a new item, an edit that newly flagged a known one, or a backfill the user asked to hear about).

-- True on the version whose arrival made the document flagged (it had no live flag just before). Rows
-- stored before this migration stay false: nothing already in the warehouse becomes news.
ALTER TABLE document_versions ADD COLUMN became_flagged BOOLEAN DEFAULT false;

ALTER TABLE alert_outbox ADD COLUMN news VARCHAR;   -- new | updated | backfill

CREATE OR REPLACE VIEW alerts AS
SELECT o.subscription_id, o.status, o.reason, o.attempts, o.last_error, o.created_at, o.sent_at,
       d.document_id, d.source_id, d.title, d.url, d.published_at, o.news
FROM alert_outbox o
JOIN documents d USING (document_id);
