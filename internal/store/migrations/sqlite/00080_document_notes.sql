-- +goose Up
-- Notes people write on a document. The author's account may go while the
-- note stays (author_id becomes NULL). Notes are searchable: IndexDocument
-- puts their bodies into the document's full-text entry.
CREATE TABLE document_notes (
    id          TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    author_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    body        TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX document_notes_document ON document_notes (document_id, created_at, id);
CREATE INDEX document_notes_author ON document_notes (author_id);

-- +goose Down
DROP TABLE document_notes;
