-- +goose Up
-- Nothing on SQLite: PostgreSQL's storage of the tsvector (MAIN) has no
-- counterpart in FTS5. Kept so both engines have the same schema versions.
SELECT 1;

-- +goose Down
SELECT 1;
