-- +goose Up
-- Spaces: every document and topic belongs to a space; each user has a
-- personal space whose id is the user's id, and may share others. The
-- owner is a member row with role 'owner'. Existing documents and topics go
-- into their owner's personal space, so nothing changes for anyone.
-- documents.owner_id stays the space owner's id (whose quota the document
-- counts against); created_by is who uploaded it.
CREATE TABLE spaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('personal', 'shared')),
    owner_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL
);
CREATE INDEX spaces_owner ON spaces (owner_id);

CREATE TABLE space_members (
    space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin', 'owner')),
    added_at DATETIME NOT NULL,
    PRIMARY KEY (space_id, user_id)
);
CREATE INDEX space_members_user ON space_members (user_id, space_id);

INSERT INTO spaces (id, name, kind, owner_id, created_at)
    SELECT id, 'Personal', 'personal', id, created_at FROM users;
INSERT INTO space_members (space_id, user_id, role, added_at)
    SELECT id, id, 'owner', created_at FROM users;

ALTER TABLE documents ADD COLUMN space_id TEXT REFERENCES spaces (id) ON DELETE CASCADE;
ALTER TABLE documents ADD COLUMN created_by TEXT REFERENCES users (id) ON DELETE SET NULL;
UPDATE documents SET space_id = owner_id, created_by = owner_id;
CREATE INDEX documents_space_created ON documents (space_id, created_at, id);
CREATE INDEX documents_space_title ON documents (space_id, title, id);
CREATE INDEX documents_space_sha ON documents (space_id, sha256);

-- Topic names are unique per space: SQLite cannot drop the old UNIQUE, so
-- topics is rebuilt, and document_topics with it (dropping a referenced
-- table would cascade to its assignments).
CREATE TABLE topics_new (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    space_id    TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    color       TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (space_id, name_key)
);
INSERT INTO topics_new (id, owner_id, space_id, name, name_key, description, color, created_at, updated_at)
    SELECT id, owner_id, owner_id, name, name_key, description, color, created_at, updated_at FROM topics;
CREATE TABLE document_topics_new (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    topic_id    TEXT NOT NULL REFERENCES topics_new (id) ON DELETE CASCADE,
    source      TEXT NOT NULL CHECK (source IN ('ai', 'user')),
    confidence  REAL,
    created_at  DATETIME NOT NULL,
    PRIMARY KEY (document_id, topic_id)
);
INSERT INTO document_topics_new (document_id, topic_id, source, confidence, created_at)
    SELECT document_id, topic_id, source, confidence, created_at FROM document_topics;
DROP TABLE document_topics;
DROP TABLE topics;
ALTER TABLE topics_new RENAME TO topics;
ALTER TABLE document_topics_new RENAME TO document_topics;
CREATE INDEX document_topics_topic ON document_topics (topic_id);
CREATE INDEX topics_space ON topics (space_id, name_key);

-- A direct upload names the space its document will go to and who started
-- it; owner_id is the space owner, whose quota holds the reservation.
ALTER TABLE uploads ADD COLUMN space_id TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
UPDATE uploads SET space_id = owner_id, created_by = owner_id;
CREATE INDEX uploads_created_by ON uploads (created_by);

-- +goose Down
DROP INDEX uploads_created_by;
ALTER TABLE uploads DROP COLUMN created_by;
ALTER TABLE uploads DROP COLUMN space_id;
DROP INDEX topics_space;
CREATE TABLE topics_old (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    color       TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (owner_id, name_key)
);
INSERT INTO topics_old (id, owner_id, name, name_key, description, color, created_at, updated_at)
    SELECT id, owner_id, name, name_key, description, color, created_at, updated_at FROM topics WHERE space_id = owner_id;
CREATE TABLE document_topics_old (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    topic_id    TEXT NOT NULL REFERENCES topics_old (id) ON DELETE CASCADE,
    source      TEXT NOT NULL CHECK (source IN ('ai', 'user')),
    confidence  REAL,
    created_at  DATETIME NOT NULL,
    PRIMARY KEY (document_id, topic_id)
);
INSERT INTO document_topics_old (document_id, topic_id, source, confidence, created_at)
    SELECT document_id, topic_id, source, confidence, created_at FROM document_topics
    WHERE topic_id IN (SELECT id FROM topics_old);
DROP TABLE document_topics;
DROP TABLE topics;
ALTER TABLE topics_old RENAME TO topics;
ALTER TABLE document_topics_old RENAME TO document_topics;
CREATE INDEX document_topics_topic ON document_topics (topic_id);
DROP INDEX documents_space_sha;
DROP INDEX documents_space_title;
DROP INDEX documents_space_created;
ALTER TABLE documents DROP COLUMN created_by;
ALTER TABLE documents DROP COLUMN space_id;
DROP TABLE space_members;
DROP TABLE spaces;
