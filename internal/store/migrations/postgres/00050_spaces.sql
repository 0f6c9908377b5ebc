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
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX spaces_owner ON spaces (owner_id);

CREATE TABLE space_members (
    space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin', 'owner')),
    added_at TIMESTAMPTZ NOT NULL,
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
ALTER TABLE documents ALTER COLUMN space_id SET NOT NULL;
CREATE INDEX documents_space_created ON documents (space_id, created_at, id);
CREATE INDEX documents_space_title ON documents (space_id, title, id);
CREATE INDEX documents_space_sha ON documents (space_id, sha256);

-- Topic names are unique per space.
ALTER TABLE topics ADD COLUMN space_id TEXT REFERENCES spaces (id) ON DELETE CASCADE;
UPDATE topics SET space_id = owner_id;
ALTER TABLE topics ALTER COLUMN space_id SET NOT NULL;
ALTER TABLE topics DROP CONSTRAINT topics_owner_id_name_key_key;
ALTER TABLE topics ADD CONSTRAINT topics_space_name_key UNIQUE (space_id, name_key);

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
DELETE FROM topics WHERE space_id <> owner_id;
ALTER TABLE topics DROP CONSTRAINT topics_space_name_key;
ALTER TABLE topics ADD CONSTRAINT topics_owner_id_name_key_key UNIQUE (owner_id, name_key);
ALTER TABLE topics DROP COLUMN space_id;
DROP INDEX documents_space_sha;
DROP INDEX documents_space_title;
DROP INDEX documents_space_created;
ALTER TABLE documents DROP COLUMN created_by;
ALTER TABLE documents DROP COLUMN space_id;
DROP TABLE space_members;
DROP TABLE spaces;
