-- +goose Up
-- Every change to a user's labels (topics of source user on ready documents) bumps their generation;
-- a model records the generation it was trained on, so it is stale exactly when labels changed after
-- the training read them. changed_at lets training wait until labels settle.
CREATE TABLE classifier_labels (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    generation BIGINT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
INSERT INTO classifier_labels (user_id, generation, changed_at)
    SELECT user_id, CASE WHEN stale THEN 1 ELSE 0 END, trained_at FROM classifier_models;
ALTER TABLE classifier_models ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
-- version grows with every save: nodes compare it to refresh their cached model.
ALTER TABLE classifier_models ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Whether classification ran on a document: state done, waiting, declined or failed, why, and the
-- ranked candidates of the answer (JSON [{topic_id, confidence}]).
CREATE TABLE document_classifications (
    document_id      TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    state            TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    provider         TEXT NOT NULL DEFAULT '',
    model_generation BIGINT NOT NULL DEFAULT 0,
    candidates       TEXT NOT NULL DEFAULT '[]',
    at               TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE document_classifications;
ALTER TABLE classifier_models DROP COLUMN version;
ALTER TABLE classifier_models DROP COLUMN generation;
DROP TABLE classifier_labels;
