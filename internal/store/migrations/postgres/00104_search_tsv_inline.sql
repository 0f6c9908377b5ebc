-- +goose Up
-- Keep a document's tsvector in its document_search row (compressed if need
-- be) instead of moving it to the TOAST table: a ranked search reads it twice
-- per match (the @@ filter, then ts_rank_cd), and out of line each read is a
-- TOAST index lookup and chunk fetch. With the default (EXTENDED) a 1-2 KB
-- text's tsvector went out of line; with MAIN the long body column goes
-- first and the tsvector stays in the row unless the row still does not fit
-- (large documents). Ranked query on 300 such documents: 1.7-2.0 -> 0.9-1.5 ms
-- (docs/performance.md). Applies to rows written from now on (a reindex
-- rewrites them all); results are the same.
ALTER TABLE document_search ALTER COLUMN tsv SET STORAGE MAIN;

-- +goose Down
ALTER TABLE document_search ALTER COLUMN tsv SET STORAGE EXTENDED;
