-- +goose Up
-- Who set a document's correspondent and type: 'user' (a person, in PATCH
-- or a bulk edit: never replaced by the classifier, and an example it
-- learns from), 'auto' (applied by the space's local classifier) or ''
-- (never set). Every correspondent and type set before this migration was
-- set by a person.
ALTER TABLE documents ADD COLUMN correspondent_source TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN document_type_source TEXT NOT NULL DEFAULT '';
UPDATE documents SET correspondent_source = 'user' WHERE correspondent_id IS NOT NULL;
UPDATE documents SET document_type_source = 'user' WHERE document_type_id IS NOT NULL;

-- A space's model also holds one classifier over its correspondents and
-- one over its document types (local.Model bytes; empty: none learned).
ALTER TABLE classifier_models ADD COLUMN correspondent_model BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE classifier_models ADD COLUMN document_type_model BYTEA NOT NULL DEFAULT ''::bytea;

-- What the local model proposed for a document's correspondent, type and
-- date: JSON [{kind, id, value, confidence, applied}].
ALTER TABLE document_classifications ADD COLUMN proposals TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE document_classifications DROP COLUMN proposals;
ALTER TABLE classifier_models DROP COLUMN document_type_model;
ALTER TABLE classifier_models DROP COLUMN correspondent_model;
ALTER TABLE documents DROP COLUMN document_type_source;
ALTER TABLE documents DROP COLUMN correspondent_source;
