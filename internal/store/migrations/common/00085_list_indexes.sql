-- +goose Up
-- Indexes of the document list's filters and sorts. The list walks each of
-- the user's spaces in the order of its sort, so each sort has an index
-- starting with space_id. Documents without a date sort last in either
-- direction, hence one index per direction on the sort's expression.
CREATE INDEX documents_space_date_asc ON documents (space_id, COALESCE(document_date, '9999-12-31'), id);
CREATE INDEX documents_space_date_desc ON documents (space_id, COALESCE(document_date, '0001-01-01'), id);
CREATE INDEX documents_space_size ON documents (space_id, size_bytes, id);
-- A correspondent's documents by id (the correspondent sort) and by date
-- (a correspondent's documents newest first, as in a saved view).
CREATE INDEX documents_space_correspondent ON documents (space_id, correspondent_id, id);
CREATE INDEX documents_space_correspondent_date ON documents (space_id, correspondent_id, COALESCE(document_date, '0001-01-01'), id);
-- A field filter's matching documents, read from the index alone (the
-- list reads them first when few match): replaces (field_id, num).
CREATE INDEX document_field_values_field_num_doc ON document_field_values (field_id, num, value, document_id);
DROP INDEX document_field_values_field_num;

-- +goose Down
CREATE INDEX document_field_values_field_num ON document_field_values (field_id, num);
DROP INDEX document_field_values_field_num_doc;
DROP INDEX documents_space_correspondent_date;
DROP INDEX documents_space_correspondent;
DROP INDEX documents_space_size;
DROP INDEX documents_space_date_desc;
DROP INDEX documents_space_date_asc;
