-- +goose Up
-- The space a mail account's documents go to (its owner's personal space
-- unless chosen; a personal space's id is its user's).
ALTER TABLE mail_accounts ADD COLUMN space_id TEXT;
UPDATE mail_accounts SET space_id = owner_id;

-- +goose Down
ALTER TABLE mail_accounts DROP COLUMN space_id;
