-- 012: a term index for full-text search, kept up to date by the loader (warehouse/search.py, update_index), so
-- a query reads the postings of its own words instead of tokenising every document again.
-- Keyed by document_id and the indexed version only: the `documents` view may gain columns freely.

-- One row per document: the version indexed and its length in weighted words (title words count three).
CREATE TABLE search_lengths (
    document_id VARCHAR PRIMARY KEY,
    version     INTEGER NOT NULL,
    dl          INTEGER NOT NULL
);

-- One row per (document, word): the word's weighted count in that document's title and body.
CREATE TABLE search_terms (
    term        VARCHAR NOT NULL,
    document_id VARCHAR NOT NULL,
    tf          INTEGER NOT NULL
);

-- BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))) over the index; N and the average length
-- count the documents with at least one word. Any query word may match; documents matching none are left out.
CREATE OR REPLACE MACRO search_documents(query) AS TABLE
WITH terms AS (
    SELECT DISTINCT unnest(search_tokens(query)) AS term
),
corpus AS (
    SELECT count(*) AS n, avg(dl) AS avgdl FROM search_lengths WHERE dl > 0
),
frequencies AS (
    SELECT t.document_id, t.term, t.tf FROM search_terms t WHERE t.term IN (SELECT term FROM terms)
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
    JOIN search_lengths l ON l.document_id = f.document_id
    CROSS JOIN corpus c
    GROUP BY f.document_id
)
SELECT d.document_id, d.source_id, d.kind, d.url, d.title, d.published_at, s.score
FROM scores s
JOIN documents d ON d.document_id = s.document_id
ORDER BY s.score DESC, d.published_at DESC NULLS LAST, d.document_id;
