-- +goose Up
-- The owner's documents waiting for or in processing, counted at every
-- enqueue to order the processing queue fairly between users.
CREATE INDEX documents_owner_processing ON documents (owner_id) WHERE status = 'processing';

-- +goose Down
DROP INDEX documents_owner_processing;
