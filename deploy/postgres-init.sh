#!/usr/bin/env bash
# Creates DocuVault's two PostgreSQL roles:
#   docuvault_migrate owns the schema "docuvault" and runs `docuvault migrate` (DDL);
#   docuvault_app may only read and write rows (DML), for serve and worker.
# Run by the postgres image on first start, or by hand (psql connects as
# POSTGRES_USER through the usual PGHOST, PGPORT, PGPASSWORD variables):
#   POSTGRES_DB=docuvault DOCUVAULT_MIGRATE_PASSWORD=... DOCUVAULT_APP_PASSWORD=... ./postgres-init.sh
# DOCUVAULT_MIGRATE_ROLE and DOCUVAULT_APP_ROLE rename the roles (the tests use
# per-run names). The script is idempotent: running it again after migrations
# re-grants the app role on every existing table and sequence.
set -euo pipefail
db="${POSTGRES_DB:-docuvault}"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "$db" \
  -v migrate_role="${DOCUVAULT_MIGRATE_ROLE:-docuvault_migrate}" -v app_role="${DOCUVAULT_APP_ROLE:-docuvault_app}" \
  -v migrate_pw="$DOCUVAULT_MIGRATE_PASSWORD" -v app_pw="$DOCUVAULT_APP_PASSWORD" -v db="$db" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'migrate_role', :'migrate_pw')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'migrate_role') \gexec
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_role', :'app_pw')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I, %I', :'db', :'migrate_role', :'app_role') \gexec
-- Nobody but the owner and the migrate role creates objects: no tables in
-- public, no temporary tables (the app role gets no CREATE anywhere).
SELECT format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', :'db') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS docuvault AUTHORIZATION :"migrate_role";
ALTER ROLE :"migrate_role" SET search_path = docuvault;
ALTER ROLE :"app_role" SET search_path = docuvault;
GRANT USAGE ON SCHEMA docuvault TO :"app_role";
-- Tables, sequences and functions the migrate role creates later (DocuVault's
-- and River's) are open to the app role for DML only.
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrate_role" IN SCHEMA docuvault
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrate_role" IN SCHEMA docuvault
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrate_role" IN SCHEMA docuvault
  GRANT EXECUTE ON FUNCTIONS TO :"app_role";
-- Objects that already exist (a re-run after migrations made by hand).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA docuvault TO :"app_role";
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA docuvault TO :"app_role";
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA docuvault TO :"app_role";
SQL
