-- 004: quality gates: each source's gate per run, every expectation's result, and quarantined rows.

-- One row per (run, source) the gate checked: the batch figures the run suite judged, and the trimmed
-- GX validation results that `unionwatch quality docs` renders as Data Docs.
CREATE TABLE quality_gates (
    run_id       VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,     -- record kind; picks the suite
    suite        VARCHAR NOT NULL,
    items        INTEGER NOT NULL,
    failures     INTEGER NOT NULL,
    requests     INTEGER NOT NULL,
    history      INTEGER[] NOT NULL,   -- items of earlier successful runs, newest first, as the gate saw them
    batch_ok     BOOLEAN NOT NULL,     -- false: nothing from this source was published in this run
    quarantined  INTEGER NOT NULL,
    reports_json VARCHAR NOT NULL,
    validated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, source_id)
);

CREATE TABLE validation_results (
    run_id           VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    suite            VARCHAR NOT NULL,
    expectation      VARCHAR NOT NULL,   -- GX type, e.g. expect_column_values_to_not_be_null
    column_name      VARCHAR,
    level            VARCHAR NOT NULL,   -- row | batch
    success          BOOLEAN NOT NULL,
    observed         VARCHAR NOT NULL,
    unexpected_count INTEGER NOT NULL,
    description      VARCHAR NOT NULL,
    position         INTEGER NOT NULL,   -- order within the gate: suite order, row-level first
    validated_at     TIMESTAMPTZ NOT NULL
);

-- Rows held back by the gate, as staged (so they can be published later without refetching), with why.
-- A row leaves quarantine by being published after a recheck, or superseded by a later run's row.
CREATE TABLE quarantine (
    run_id         VARCHAR NOT NULL,
    document_id    VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    source_key     VARCHAR,
    content_hash   VARCHAR,
    url            VARCHAR,
    title          VARCHAR,
    author         VARCHAR,
    published_at   TIMESTAMPTZ,
    conference     VARCHAR,
    decision       VARCHAR,
    year           INTEGER,
    motion_group   VARCHAR,
    labels         VARCHAR[],
    body           VARCHAR,
    raw_sha256     VARCHAR,
    marker         VARCHAR,
    topics         VARCHAR[],
    matched_terms  VARCHAR[],
    score          DOUBLE,
    snippet        VARCHAR,
    reasons        VARCHAR[] NOT NULL,
    quarantined_at TIMESTAMPTZ NOT NULL,
    released_at    TIMESTAMPTZ,
    resolution     VARCHAR,             -- NULL while held | published | superseded
    PRIMARY KEY (run_id, document_id)
);

-- Each source's results from the latest run its gate checked.
CREATE VIEW quality_latest AS
SELECT v.run_id, v.source_id, v.suite, v.expectation, v.column_name, v.level, v.success, v.observed,
       v.unexpected_count, v.description, v.position, v.validated_at
FROM validation_results v
JOIN (SELECT source_id, arg_max(run_id, validated_at) AS run_id FROM quality_gates GROUP BY source_id) latest
    ON latest.source_id = v.source_id AND latest.run_id = v.run_id;
