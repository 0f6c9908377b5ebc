-- +goose Up
-- The local classifier learns per space: label generations, models and
-- topic suggestions are keyed by space_id (a space's id, personal or
-- shared) instead of the user's id. A personal space's id is its user's id,
-- so every existing row already names the user's personal space: the data
-- is kept as it is, only the key column is renamed and now refers to
-- spaces.
DELETE FROM classifier_labels WHERE user_id NOT IN (SELECT id FROM spaces);
ALTER TABLE classifier_labels RENAME COLUMN user_id TO space_id;
ALTER TABLE classifier_labels DROP CONSTRAINT classifier_labels_user_id_fkey;
ALTER TABLE classifier_labels ADD CONSTRAINT classifier_labels_space_id_fkey
    FOREIGN KEY (space_id) REFERENCES spaces (id) ON DELETE CASCADE;

DELETE FROM classifier_models WHERE user_id NOT IN (SELECT id FROM spaces);
ALTER TABLE classifier_models RENAME COLUMN user_id TO space_id;
ALTER TABLE classifier_models DROP CONSTRAINT classifier_models_user_id_fkey;
ALTER TABLE classifier_models ADD CONSTRAINT classifier_models_space_id_fkey
    FOREIGN KEY (space_id) REFERENCES spaces (id) ON DELETE CASCADE;

DELETE FROM topic_suggestions WHERE owner_id NOT IN (SELECT id FROM spaces);
ALTER TABLE topic_suggestions RENAME COLUMN owner_id TO space_id;
ALTER TABLE topic_suggestions DROP CONSTRAINT topic_suggestions_owner_id_fkey;
ALTER TABLE topic_suggestions ADD CONSTRAINT topic_suggestions_space_id_fkey
    FOREIGN KEY (space_id) REFERENCES spaces (id) ON DELETE CASCADE;

-- +goose Down
-- Back to per-user rows: only personal spaces' rows fit (their id is the user's).
DELETE FROM topic_suggestions WHERE space_id NOT IN (SELECT id FROM users);
ALTER TABLE topic_suggestions DROP CONSTRAINT topic_suggestions_space_id_fkey;
ALTER TABLE topic_suggestions RENAME COLUMN space_id TO owner_id;
ALTER TABLE topic_suggestions ADD CONSTRAINT topic_suggestions_owner_id_fkey
    FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE;

DELETE FROM classifier_models WHERE space_id NOT IN (SELECT id FROM users);
ALTER TABLE classifier_models DROP CONSTRAINT classifier_models_space_id_fkey;
ALTER TABLE classifier_models RENAME COLUMN space_id TO user_id;
ALTER TABLE classifier_models ADD CONSTRAINT classifier_models_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;

DELETE FROM classifier_labels WHERE space_id NOT IN (SELECT id FROM users);
ALTER TABLE classifier_labels DROP CONSTRAINT classifier_labels_space_id_fkey;
ALTER TABLE classifier_labels RENAME COLUMN space_id TO user_id;
ALTER TABLE classifier_labels ADD CONSTRAINT classifier_labels_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
