-- +goose Up
-- The kinds of cloud drive live in Go only (cloud.Kinds checks them when an
-- account is created), so adding a provider needs no schema change.
ALTER TABLE cloud_accounts DROP CONSTRAINT cloud_accounts_kind_check;

-- +goose Down
ALTER TABLE cloud_accounts ADD CONSTRAINT cloud_accounts_kind_check
    CHECK (kind IN ('google_drive', 'onedrive', 'nextcloud', 'webdav'));
