-- +goose Up
-- The document's creation time beside its tsvector, with an index on the
-- owner's documents newest first, so a relevance search finds the owner's
-- newest matches from document_search alone (no lookup into documents for
-- every match) before ranking them.
ALTER TABLE document_search ADD COLUMN created_at TIMESTAMPTZ;
UPDATE document_search s SET created_at = d.created_at FROM documents d WHERE d.id = s.document_id;
ALTER TABLE document_search ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX document_search_owner_created ON document_search (owner_id, created_at DESC, document_id DESC);
DROP INDEX document_search_owner;

-- +goose Down
CREATE INDEX document_search_owner ON document_search (owner_id);
DROP INDEX document_search_owner_created;
ALTER TABLE document_search DROP COLUMN created_at;
