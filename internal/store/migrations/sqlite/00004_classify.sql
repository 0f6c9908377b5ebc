-- +goose Up
-- Each user's classification choice; the API key is sealed (AES-GCM).
CREATE TABLE ai_settings (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    model      TEXT NOT NULL DEFAULT '',
    api_key    BLOB,
    base_url   TEXT NOT NULL DEFAULT '',
    updated_at DATETIME NOT NULL
);

-- The local classifier's trained model per user.
CREATE TABLE classifier_models (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    model         BLOB NOT NULL,
    example_count INTEGER NOT NULL,
    trained_at    DATETIME NOT NULL,
    stale         BOOLEAN NOT NULL DEFAULT FALSE
);

-- New topics the classifier proposes.
CREATE TABLE topic_suggestions (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    document_ids TEXT NOT NULL DEFAULT '[]',
    created_at   DATETIME NOT NULL,
    UNIQUE (owner_id, name_key)
);

-- +goose Down
DROP TABLE topic_suggestions;
DROP TABLE classifier_models;
DROP TABLE ai_settings;
