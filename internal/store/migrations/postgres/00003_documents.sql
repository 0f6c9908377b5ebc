-- +goose Up
CREATE TABLE documents (
    id                TEXT PRIMARY KEY,
    owner_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title             TEXT NOT NULL,
    original_filename TEXT NOT NULL,
    mime_type         TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL,
    sha256            TEXT NOT NULL,
    blob_key          TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('processing', 'ready', 'failed')),
    error             TEXT NOT NULL DEFAULT '',
    page_count        INTEGER,
    language          TEXT NOT NULL DEFAULT '',
    thumbnail_key     TEXT NOT NULL DEFAULT '',
    storage_backend   TEXT NOT NULL DEFAULT 'system',
    storage_state     TEXT NOT NULL DEFAULT 'stored',
    storage_ref       TEXT NOT NULL DEFAULT '',
    storage_error     TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    deleted_at        TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX documents_owner_created ON documents (owner_id, created_at, id);
CREATE INDEX documents_owner_title ON documents (owner_id, title, id);
CREATE INDEX documents_owner_sha ON documents (owner_id, sha256);
CREATE INDEX documents_deleted ON documents (deleted_at);

CREATE TABLE document_texts (
    document_id TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    body        TEXT NOT NULL
);

CREATE TABLE topics (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    color       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (owner_id, name_key)
);

CREATE TABLE document_topics (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    topic_id    TEXT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    source      TEXT NOT NULL CHECK (source IN ('ai', 'user')),
    confidence  DOUBLE PRECISION,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (document_id, topic_id)
);
CREATE INDEX document_topics_topic ON document_topics (topic_id);

CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document_id  TEXT NOT NULL UNIQUE,
    filename     TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    size_bytes   BIGINT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    sha256       TEXT NOT NULL DEFAULT '',
    blob_key     TEXT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX uploads_expires ON uploads (expires_at);

-- Full-text index: title (weight A) above body (weight B).
CREATE TABLE document_search (
    document_id TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    owner_id    TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    tsv         TSVECTOR NOT NULL
);
CREATE INDEX document_search_tsv ON document_search USING GIN (tsv);
CREATE INDEX document_search_owner ON document_search (owner_id);

-- +goose Down
DROP TABLE document_search;
DROP TABLE uploads;
DROP TABLE document_topics;
DROP TABLE topics;
DROP TABLE document_texts;
DROP TABLE documents;
