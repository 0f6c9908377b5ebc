-- +goose Up
-- Share links: a secret URL that downloads one document's current file
-- without an account. Only the SHA-256 of the token is stored, and the
-- Argon2id hash of the optional password ('' = none). download_count
-- counts a download from the moment it is reserved (one conditional
-- UPDATE, so max_downloads holds under concurrent requests) and gives it
-- back when sending fails. A revoked link keeps its row for the audit
-- trail; trashing the document revokes its links.
CREATE TABLE share_links (
    id             TEXT PRIMARY KEY,
    document_id    TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    token_hash     TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL DEFAULT '',
    expires_at     DATETIME,
    max_downloads  INTEGER,
    download_count INTEGER NOT NULL DEFAULT 0,
    created_by     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     DATETIME NOT NULL,
    revoked_at     DATETIME,
    CHECK (max_downloads IS NULL OR max_downloads >= 1),
    CHECK (download_count >= 0)
);
CREATE INDEX share_links_document ON share_links (document_id, created_at, id);
CREATE INDEX share_links_created_by ON share_links (created_by);

-- +goose Down
DROP TABLE share_links;
