-- +goose Up
-- The local classifier learns per space: label generations, models and
-- topic suggestions are keyed by space_id (a space's id, personal or
-- shared) instead of the user's id. A personal space's id is its user's id,
-- so every existing row already names the user's personal space: the data
-- is kept as it is, only the key column is renamed and now refers to
-- spaces. SQLite cannot change a foreign key, so the three tables are
-- rebuilt (nothing refers to them).
CREATE TABLE classifier_labels_new (
    space_id   TEXT PRIMARY KEY REFERENCES spaces (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    changed_at DATETIME NOT NULL
);
INSERT INTO classifier_labels_new (space_id, generation, changed_at)
    SELECT user_id, generation, changed_at FROM classifier_labels WHERE user_id IN (SELECT id FROM spaces);
DROP TABLE classifier_labels;
ALTER TABLE classifier_labels_new RENAME TO classifier_labels;

CREATE TABLE classifier_models_new (
    space_id      TEXT PRIMARY KEY REFERENCES spaces (id) ON DELETE CASCADE,
    model         BLOB NOT NULL,
    example_count INTEGER NOT NULL,
    trained_at    DATETIME NOT NULL,
    stale         BOOLEAN NOT NULL DEFAULT FALSE,
    generation    INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1
);
INSERT INTO classifier_models_new (space_id, model, example_count, trained_at, stale, generation, version)
    SELECT user_id, model, example_count, trained_at, stale, generation, version FROM classifier_models
    WHERE user_id IN (SELECT id FROM spaces);
DROP TABLE classifier_models;
ALTER TABLE classifier_models_new RENAME TO classifier_models;

CREATE TABLE topic_suggestions_new (
    id           TEXT PRIMARY KEY,
    space_id     TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    document_ids TEXT NOT NULL DEFAULT '[]',
    created_at   DATETIME NOT NULL,
    UNIQUE (space_id, name_key)
);
INSERT INTO topic_suggestions_new (id, space_id, name, name_key, reason, document_ids, created_at)
    SELECT id, owner_id, name, name_key, reason, document_ids, created_at FROM topic_suggestions
    WHERE owner_id IN (SELECT id FROM spaces);
DROP TABLE topic_suggestions;
ALTER TABLE topic_suggestions_new RENAME TO topic_suggestions;

-- +goose Down
-- Back to per-user rows: only personal spaces' rows fit (their id is the user's).
CREATE TABLE topic_suggestions_old (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    document_ids TEXT NOT NULL DEFAULT '[]',
    created_at   DATETIME NOT NULL,
    UNIQUE (owner_id, name_key)
);
INSERT INTO topic_suggestions_old (id, owner_id, name, name_key, reason, document_ids, created_at)
    SELECT id, space_id, name, name_key, reason, document_ids, created_at FROM topic_suggestions
    WHERE space_id IN (SELECT id FROM users);
DROP TABLE topic_suggestions;
ALTER TABLE topic_suggestions_old RENAME TO topic_suggestions;

CREATE TABLE classifier_models_old (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    model         BLOB NOT NULL,
    example_count INTEGER NOT NULL,
    trained_at    DATETIME NOT NULL,
    stale         BOOLEAN NOT NULL DEFAULT FALSE,
    generation    INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1
);
INSERT INTO classifier_models_old (user_id, model, example_count, trained_at, stale, generation, version)
    SELECT space_id, model, example_count, trained_at, stale, generation, version FROM classifier_models
    WHERE space_id IN (SELECT id FROM users);
DROP TABLE classifier_models;
ALTER TABLE classifier_models_old RENAME TO classifier_models;

CREATE TABLE classifier_labels_old (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    changed_at DATETIME NOT NULL
);
INSERT INTO classifier_labels_old (user_id, generation, changed_at)
    SELECT space_id, generation, changed_at FROM classifier_labels WHERE space_id IN (SELECT id FROM users);
DROP TABLE classifier_labels;
ALTER TABLE classifier_labels_old RENAME TO classifier_labels;
