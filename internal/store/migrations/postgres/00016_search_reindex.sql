-- +goose Up
-- Progress of long maintenance runs (docuvault reindex), so an interrupted
-- run resumes where it stopped.
CREATE TABLE maintenance_state (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE maintenance_state;
