-- +goose Up
-- Nothing on SQLite: its index already orders the owner's documents by rowid
-- (= documents.seq). Kept so both engines have the same schema versions.
SELECT 1;

-- +goose Down
SELECT 1;
