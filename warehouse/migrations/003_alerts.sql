-- 003: alert delivery: subscriptions as first seen, the alert outbox, and maintainer alert state.

-- Each configured subscription, from the first run that saw it: items known before then are never sent.
CREATE TABLE alert_subscriptions (
    subscription_id VARCHAR PRIMARY KEY,
    channel         VARCHAR NOT NULL,
    mode            VARCHAR NOT NULL,   -- immediate | digest
    first_seen_at   TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    last_digest_at  TIMESTAMPTZ         -- the digest slot most recently handled
);

-- One row per (flagged document, subscription), written before anything is sent (see alerts/deliver.py).
CREATE TABLE alert_outbox (
    document_id     VARCHAR NOT NULL,
    subscription_id VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,   -- pending | sending | sent | retry | failed | unknown | skipped
    reason          VARCHAR,            -- why a row was skipped
    attempts        INTEGER NOT NULL,
    last_error      VARCHAR,
    dedupe_key      VARCHAR NOT NULL,   -- stable per row: Message-ID, Idempotency-Key, Atom entry id
    batch_key       VARCHAR,            -- the message the row last went out in (a digest carries many rows)
    created_at      TIMESTAMPTZ NOT NULL,
    claimed_at      TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    PRIMARY KEY (document_id, subscription_id)
);

-- A maintainer condition (a source failing, gone silent, failing to parse) from the run that opened it
-- until the run that cleared it; at most one open row per (condition, subject).
CREATE TABLE maintainer_conditions (
    condition  VARCHAR NOT NULL,        -- source_failing | source_silent | parse_failures
    subject    VARCHAR NOT NULL,        -- the source concerned
    opened_at  TIMESTAMPTZ NOT NULL,
    detail     VARCHAR NOT NULL,
    cleared_at TIMESTAMPTZ,
    PRIMARY KEY (condition, subject, opened_at)
);

-- Messages for maintainers, sent through the same claim-send-mark steps as alert_outbox.
CREATE TABLE maintainer_notices (
    notice_id  VARCHAR PRIMARY KEY,
    condition  VARCHAR NOT NULL,        -- a maintainer condition, or delivery_failed | delivery_unknown
    subject    VARCHAR NOT NULL,        -- the source or subscription concerned
    event      VARCHAR NOT NULL,        -- opened | resolved
    detail     VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    status     VARCHAR NOT NULL,        -- pending | sending | sent | retry | failed | unknown
    attempts   INTEGER NOT NULL,
    last_error VARCHAR,
    sent_at    TIMESTAMPTZ
);

CREATE VIEW alerts AS
SELECT o.subscription_id, o.status, o.reason, o.attempts, o.last_error, o.created_at, o.sent_at,
       d.document_id, d.source_id, d.title, d.url, d.published_at
FROM alert_outbox o
JOIN documents d USING (document_id);
