-- +goose Up
-- A started direct upload reserves its announced size and one document
-- against the owner's quota until it completes, expires or is cleaned up;
-- the reservation lives beside the usage so one conditional UPDATE checks
-- both (see store.CreateUpload).
ALTER TABLE users ADD COLUMN reserved_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pending_uploads BIGINT NOT NULL DEFAULT 0;
UPDATE users SET
    reserved_bytes = (SELECT COALESCE(SUM(size_bytes), 0) FROM uploads WHERE owner_id = users.id),
    pending_uploads = (SELECT COUNT(*) FROM uploads WHERE owner_id = users.id);
CREATE INDEX uploads_owner ON uploads (owner_id, expires_at);

-- +goose Down
DROP INDEX uploads_owner;
ALTER TABLE users DROP COLUMN pending_uploads;
ALTER TABLE users DROP COLUMN reserved_bytes;
