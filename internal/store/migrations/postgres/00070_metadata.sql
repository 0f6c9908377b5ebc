-- +goose Up
-- Document metadata: correspondents, document types, custom fields and
-- their values, saved views. Each belongs to a space (space_id; a user's
-- personal space has the user's id). No foreign key on space_id: the
-- spaces table arrives with spaces; DeleteUser removes a personal space's
-- objects.
CREATE TABLE correspondents (
    id         TEXT PRIMARY KEY,
    space_id   TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (space_id, name_key)
);

CREATE TABLE document_types (
    id         TEXT PRIMARY KEY,
    space_id   TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (space_id, name_key)
);

-- options: a JSON array of strings (select fields), else '[]'.
CREATE TABLE custom_fields (
    id         TEXT PRIMARY KEY,
    space_id   TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    type       TEXT NOT NULL,
    options    TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (space_id, name_key)
);

-- value is the normalised text form ("EUR12.50", "2024-03-05", "true");
-- num the number or monetary amount, for numeric comparison.
CREATE TABLE document_field_values (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    field_id    TEXT NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
    value       TEXT NOT NULL,
    num         DOUBLE PRECISION,
    PRIMARY KEY (document_id, field_id)
);
CREATE INDEX document_field_values_field_value ON document_field_values (field_id, value);
CREATE INDEX document_field_values_field_num ON document_field_values (field_id, num);

-- query: a JSON object of list filters.
CREATE TABLE saved_views (
    id                TEXT PRIMARY KEY,
    space_id          TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    name              TEXT NOT NULL,
    query             TEXT NOT NULL DEFAULT '{}',
    sort              TEXT NOT NULL DEFAULT '',
    show_on_dashboard BOOLEAN NOT NULL DEFAULT false,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX saved_views_space ON saved_views (space_id, created_at, id);

-- document_date is a DATE; document_date_source 'found' (from the
-- content) or 'user' ('' when none).
ALTER TABLE documents ADD COLUMN document_date DATE;
ALTER TABLE documents ADD COLUMN document_date_source TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN correspondent_id TEXT REFERENCES correspondents (id) ON DELETE SET NULL;
ALTER TABLE documents ADD COLUMN document_type_id TEXT REFERENCES document_types (id) ON DELETE SET NULL;
CREATE INDEX documents_owner_date ON documents (owner_id, document_date, id);
CREATE INDEX documents_owner_size ON documents (owner_id, size_bytes, id);
CREATE INDEX documents_owner_mime ON documents (owner_id, mime_type);
CREATE INDEX documents_correspondent ON documents (correspondent_id);
CREATE INDEX documents_document_type ON documents (document_type_id);

-- +goose Down
DROP INDEX documents_document_type;
DROP INDEX documents_correspondent;
DROP INDEX documents_owner_mime;
DROP INDEX documents_owner_size;
DROP INDEX documents_owner_date;
ALTER TABLE documents DROP COLUMN document_type_id;
ALTER TABLE documents DROP COLUMN correspondent_id;
ALTER TABLE documents DROP COLUMN document_date_source;
ALTER TABLE documents DROP COLUMN document_date;
DROP TABLE saved_views;
DROP TABLE document_field_values;
DROP TABLE custom_fields;
DROP TABLE document_types;
DROP TABLE correspondents;
