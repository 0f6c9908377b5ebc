-- +goose Up
-- title_auto: the title was made from the file name (no title given at
-- upload, never edited), so a title found in the file may replace it.
-- Existing documents keep their titles. (Suggestions read ts_stat over the
-- owner's rows of document_search: nothing to create for them here.)
ALTER TABLE documents ADD COLUMN title_auto BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE documents DROP COLUMN title_auto;
