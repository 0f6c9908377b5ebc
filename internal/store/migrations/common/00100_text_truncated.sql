-- +goose Up
-- text_truncated: the document's stored and indexed text is only the start
-- of its text, because a limit cut it (MAX_TEXT_BYTES of text, or
-- MAX_EXTRACT_BYTES of a text file or email read). The document is ready
-- and searchable in that part; the UI says so.
ALTER TABLE documents ADD COLUMN text_truncated BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE documents DROP COLUMN text_truncated;
