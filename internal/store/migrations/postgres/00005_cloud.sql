-- +goose Up
-- A user's connected cloud drives. credentials is sealed (AES-GCM, bound to
-- the user and the account id) and never leaves the server.
CREATE TABLE cloud_accounts (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('google_drive', 'onedrive', 'nextcloud', 'webdav')),
    display_name TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'ok',
    status_error TEXT NOT NULL DEFAULT '',
    credentials  BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX cloud_accounts_owner ON cloud_accounts (owner_id, created_at, id);

-- OAuth authorization code flows in progress: the state sent to the
-- provider, the sealed PKCE verifier, and who started it. Single use.
CREATE TABLE cloud_oauth_states (
    state      TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    account_id TEXT NOT NULL DEFAULT '',
    verifier   BYTEA NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cloud_oauth_states_expires ON cloud_oauth_states (expires_at);

CREATE INDEX documents_owner_storage ON documents (owner_id, storage_backend, storage_state);

-- +goose Down
DROP INDEX documents_owner_storage;
DROP TABLE cloud_oauth_states;
DROP TABLE cloud_accounts;
