-- +goose Up
-- The kinds of cloud drive live in Go only (cloud.Kinds checks them when an
-- account is created), so adding a provider needs no table rebuild.
-- SQLite cannot drop a CHECK: the table is rebuilt in this migration's
-- transaction, keeping its rows, its index and its foreign key. No table
-- references cloud_accounts, so dropping the old one cascades to nothing.
CREATE TABLE cloud_accounts_new (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'ok',
    status_error TEXT NOT NULL DEFAULT '',
    credentials  BLOB NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
INSERT INTO cloud_accounts_new (id, owner_id, kind, display_name, status, status_error, credentials, created_at, updated_at)
    SELECT id, owner_id, kind, display_name, status, status_error, credentials, created_at, updated_at FROM cloud_accounts;
DROP TABLE cloud_accounts;
ALTER TABLE cloud_accounts_new RENAME TO cloud_accounts;
CREATE INDEX cloud_accounts_owner ON cloud_accounts (owner_id, created_at, id);

-- +goose Down
CREATE TABLE cloud_accounts_old (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('google_drive', 'onedrive', 'nextcloud', 'webdav')),
    display_name TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'ok',
    status_error TEXT NOT NULL DEFAULT '',
    credentials  BLOB NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
INSERT INTO cloud_accounts_old (id, owner_id, kind, display_name, status, status_error, credentials, created_at, updated_at)
    SELECT id, owner_id, kind, display_name, status, status_error, credentials, created_at, updated_at FROM cloud_accounts;
DROP TABLE cloud_accounts;
ALTER TABLE cloud_accounts_old RENAME TO cloud_accounts;
CREATE INDEX cloud_accounts_owner ON cloud_accounts (owner_id, created_at, id);
