-- 014: search that stays fast as the archive grows, ranking as before.
-- The index is kept in term order (search_index_state), so a query reads little more than its words' postings.
-- The postings of the query's words are read once (each word's document frequency counted over them by a window),
-- and the hits are joined to document_keys and document_versions alone: the `documents` view adds only
-- left joins on other tables' primary keys, which neither add nor remove a row, so the hits are the same.
-- Only what DuckDB 1.1 reads: the published snapshot carries this macro to the 1.x clients.

-- BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))) over the index; N and the average length
-- count the documents with at least one word. Any query word may match; documents matching none are left out.
CREATE OR REPLACE MACRO search_documents(query) AS TABLE
WITH frequencies AS (
    SELECT document_id, tf, count(*) OVER (PARTITION BY term) AS df
    FROM search_terms
    WHERE term IN (SELECT unnest(search_tokens(query)))
),
corpus AS (
    SELECT count(*) AS n, avg(dl) AS avgdl FROM search_lengths WHERE dl > 0
),
scores AS (
    SELECT f.document_id,
           sum(ln(1 + (c.n - f.df + 0.5) / (f.df + 0.5))
               * f.tf * (1.2 + 1) / (f.tf + 1.2 * (1 - 0.75 + 0.75 * l.dl / c.avgdl))) AS score
    FROM frequencies f
    JOIN search_lengths l ON l.document_id = f.document_id
    CROSS JOIN corpus c
    GROUP BY f.document_id
)
SELECT k.document_id, k.source_id, k.kind, v.url, v.title, v.published_at, s.score
FROM scores s
JOIN document_keys k ON k.document_id = s.document_id
JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
ORDER BY s.score DESC, v.published_at DESC NULLS LAST, k.document_id;

-- How many postings the index held when it was last rewritten in term order (warehouse/search.py, order_index).
-- Postings added since sit after those, in the order loads wrote them, and every query reads them in full.
CREATE TABLE search_index_state (ordered_postings BIGINT NOT NULL);
INSERT INTO search_index_state VALUES (0);
