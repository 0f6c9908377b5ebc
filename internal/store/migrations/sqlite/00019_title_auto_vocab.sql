-- +goose Up
-- title_auto: the title was made from the file name (no title given at
-- upload, never edited), so a title found in the file may replace it.
-- Existing documents keep their titles.
ALTER TABLE documents ADD COLUMN title_auto BOOLEAN NOT NULL DEFAULT false;

-- The words of the full-text index with the document each occurs in, for
-- "did you mean" suggestions drawn from one owner's documents only.
CREATE VIRTUAL TABLE document_search_vocab USING fts5vocab(document_search, instance);

-- +goose Down
DROP TABLE document_search_vocab;
ALTER TABLE documents DROP COLUMN title_auto;
