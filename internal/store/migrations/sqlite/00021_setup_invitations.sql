-- +goose Up
-- One-time setup tokens, by SHA-256: each serve start with no admin adds
-- one (or keeps the one in DATA_DIR/setup-token); creating the first admin
-- spends them all, on whichever node the request reaches.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at DATETIME NOT NULL
);

-- Invitations an admin sent to a new account without a password, by SHA-256.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME
);
CREATE INDEX invitations_user ON invitations (user_id);

-- +goose Down
DROP TABLE invitations;
DROP TABLE setup_tokens;
