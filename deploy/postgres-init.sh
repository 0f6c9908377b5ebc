#!/usr/bin/env bash
# Creates DocuVault's two PostgreSQL roles:
#   docuvault_migrate owns the schema and runs `docuvault migrate` (DDL);
#   docuvault_app may only read and write rows (DML), for serve and worker.
# Run by the postgres image on first start, or by hand:
#   POSTGRES_DB=docuvault DOCUVAULT_MIGRATE_PASSWORD=... DOCUVAULT_APP_PASSWORD=... ./postgres-init.sh
set -euo pipefail
db="${POSTGRES_DB:-docuvault}"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "$db" \
  -v migrate_pw="$DOCUVAULT_MIGRATE_PASSWORD" -v app_pw="$DOCUVAULT_APP_PASSWORD" -v db="$db" <<'SQL'
SELECT format('CREATE ROLE docuvault_migrate LOGIN PASSWORD %L', :'migrate_pw')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'docuvault_migrate') \gexec
SELECT format('CREATE ROLE docuvault_app LOGIN PASSWORD %L', :'app_pw')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'docuvault_app') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO docuvault_migrate, docuvault_app', :'db') \gexec
CREATE SCHEMA IF NOT EXISTS docuvault AUTHORIZATION docuvault_migrate;
ALTER ROLE docuvault_migrate SET search_path = docuvault;
ALTER ROLE docuvault_app SET search_path = docuvault;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA docuvault TO docuvault_app;
-- Tables and sequences the migrate role creates later are open to the app role for DML only.
ALTER DEFAULT PRIVILEGES FOR ROLE docuvault_migrate IN SCHEMA docuvault
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO docuvault_app;
ALTER DEFAULT PRIVILEGES FOR ROLE docuvault_migrate IN SCHEMA docuvault
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO docuvault_app;
ALTER DEFAULT PRIVILEGES FOR ROLE docuvault_migrate IN SCHEMA docuvault
  GRANT EXECUTE ON FUNCTIONS TO docuvault_app;
SQL
