-- +goose Up
-- The list filtered by a correspondent, a document type and a document date
-- range together (the search box's "correspondent:acme type:invoice
-- date:2024", a saved view): the documents of all three are one range of
-- this index, instead of every document of the correspondent in the date
-- range checked for its type (docs/performance.md).
CREATE INDEX documents_space_correspondent_type_date ON documents (space_id, correspondent_id, document_type_id, COALESCE(document_date, '0001-01-01'), id);

-- +goose Down
DROP INDEX documents_space_correspondent_type_date;
