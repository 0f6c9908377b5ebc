-- +goose Up
-- The owner becomes an indexed token of the full-text index ('o' followed by
-- the hex of the owner id's bytes, see ownerToken in search.go), so a search
-- restricts itself to one owner inside FTS5 and can take the owner's newest
-- matches by rowid (= documents.seq, in insertion order) without reading
-- anyone else's. The normalised title and body are copied from the old index.
CREATE VIRTUAL TABLE document_search_new USING fts5 (
    owner_id,
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO document_search_new (rowid, owner_id, title, body)
    SELECT s.rowid, 'o' || lower(hex(d.owner_id)), s.title, s.body
    FROM document_search s JOIN documents d ON d.seq = s.rowid;
DROP TRIGGER documents_search_delete;
DROP TABLE document_search;
ALTER TABLE document_search_new RENAME TO document_search;

-- +goose StatementBegin
CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
    DELETE FROM document_search WHERE rowid = old.seq;
END;
-- +goose StatementEnd

-- Progress of long maintenance runs (docuvault reindex), so an interrupted
-- run resumes where it stopped.
CREATE TABLE maintenance_state (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE maintenance_state;
CREATE VIRTUAL TABLE document_search_old USING fts5 (
    owner_id UNINDEXED,
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO document_search_old (rowid, owner_id, title, body)
    SELECT s.rowid, d.owner_id, s.title, s.body
    FROM document_search s JOIN documents d ON d.seq = s.rowid;
DROP TRIGGER documents_search_delete;
DROP TABLE document_search;
ALTER TABLE document_search_old RENAME TO document_search;
-- +goose StatementBegin
CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
    DELETE FROM document_search WHERE rowid = old.seq;
END;
-- +goose StatementEnd
