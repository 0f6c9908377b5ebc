-- +goose Up
-- A session is one refresh-token family: one sign-in on one device.
CREATE TABLE auth_sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    last_used_at DATETIME NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    revoked_at   DATETIME
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id, created_at);

-- Every refresh token ever issued in a family, by SHA-256; used_at marks rotation.
CREATE TABLE auth_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    used_at    DATETIME
);
CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens (session_id);

-- Keys that are set until they expire: revoked access-token jtis, used TOTP steps.
CREATE TABLE auth_marks (
    key        TEXT PRIMARY KEY,
    expires_at DATETIME NOT NULL
);

-- Fixed-window rate-limit counters.
CREATE TABLE auth_counters (
    key        TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,
    window_end DATETIME NOT NULL
);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME
);
CREATE INDEX password_resets_user ON password_resets (user_id);

CREATE TABLE backup_codes (
    id        TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lookup    TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at   DATETIME
);
CREATE INDEX backup_codes_lookup ON backup_codes (user_id, lookup);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME,
    last_used_at DATETIME
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE backup_codes;
DROP TABLE password_resets;
DROP TABLE auth_counters;
DROP TABLE auth_marks;
DROP TABLE auth_refresh_tokens;
DROP TABLE auth_sessions;
