-- +goose Up
-- Where a document came from: upload, consume, import, api or mail; for
-- mail, source_detail is JSON {from, subject, message_id, received_at}.
ALTER TABLE documents ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'upload';
ALTER TABLE documents ADD COLUMN source_detail TEXT NOT NULL DEFAULT '';
CREATE INDEX documents_owner_source ON documents (owner_id, source_kind, created_at);

-- IMAP mailboxes of one owner; the password is sealed.
CREATE TABLE mail_accounts (
    id               TEXT PRIMARY KEY,
    owner_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name     TEXT NOT NULL DEFAULT '',
    host             TEXT NOT NULL,
    port             INTEGER NOT NULL,
    security         TEXT NOT NULL CHECK (security IN ('tls', 'starttls')),
    username         TEXT NOT NULL,
    password         BYTEA NOT NULL,
    last_poll_at     TIMESTAMPTZ,
    last_poll_result TEXT NOT NULL DEFAULT '',
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX mail_accounts_owner ON mail_accounts (owner_id, created_at, id);

-- Rules of an account, applied in order.
CREATE TABLE mail_rules (
    id                        TEXT PRIMARY KEY,
    owner_id                  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id                TEXT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    name                      TEXT NOT NULL,
    folder                    TEXT NOT NULL,
    from_filter               TEXT NOT NULL DEFAULT '',
    subject_filter            TEXT NOT NULL DEFAULT '',
    body_filter               TEXT NOT NULL DEFAULT '',
    max_age_days              INTEGER NOT NULL DEFAULT 0,
    consume                   TEXT NOT NULL CHECK (consume IN ('attachments', 'message', 'both')),
    attachment_types          TEXT NOT NULL DEFAULT '',
    include_inline            BOOLEAN NOT NULL DEFAULT FALSE,
    after_action              TEXT NOT NULL CHECK (after_action IN ('mark_read', 'flag', 'move', 'delete')),
    move_to                   TEXT NOT NULL DEFAULT '',
    topic_ids                 TEXT NOT NULL DEFAULT '',
    correspondent_from_sender BOOLEAN NOT NULL DEFAULT FALSE,
    enabled                   BOOLEAN NOT NULL DEFAULT TRUE,
    position                  INTEGER NOT NULL DEFAULT 0,
    created_at                TIMESTAMPTZ NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL
);
CREATE INDEX mail_rules_account ON mail_rules (account_id, position, id);
CREATE INDEX mail_rules_owner ON mail_rules (owner_id, created_at, id);

-- What each rule consumed, per folder and UIDVALIDITY: one row per part
-- (an attachment's index, "message" for the .eml) written in the same
-- transaction as its document, and part "" once the message is done (its
-- after-action ran, or it failed for good). A poll skips done messages and
-- parts already recorded, so a crash anywhere leaves no duplicate.
CREATE TABLE mail_consumed (
    rule_id      TEXT NOT NULL REFERENCES mail_rules (id) ON DELETE CASCADE,
    folder       TEXT NOT NULL,
    uid_validity BIGINT NOT NULL,
    uid          BIGINT NOT NULL,
    part         TEXT NOT NULL,
    document_id  TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (rule_id, folder, uid_validity, uid, part)
);

-- +goose Down
DROP TABLE mail_consumed;
DROP TABLE mail_rules;
DROP TABLE mail_accounts;
DROP INDEX documents_owner_source;
ALTER TABLE documents DROP COLUMN source_detail;
ALTER TABLE documents DROP COLUMN source_kind;
