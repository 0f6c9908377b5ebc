-- +goose Up
-- A shared space keeps its own storage choice, set by its owner: "system" or
-- one of the owner's cloud accounts. A personal space follows its user's
-- setting (users.storage_backend) and ignores this column. Existing shared
-- spaces keep what they did before: their owner's setting.
ALTER TABLE spaces ADD COLUMN storage_backend TEXT NOT NULL DEFAULT 'system';
UPDATE spaces SET storage_backend = COALESCE(
    (SELECT u.storage_backend FROM users u WHERE u.id = spaces.owner_id), 'system')
WHERE kind = 'shared';

-- +goose Down
ALTER TABLE spaces DROP COLUMN storage_backend;
