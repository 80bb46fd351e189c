#!/usr/bin/env bash
# Run once by the postgres image when its volume is new (docker-entrypoint-initdb.d): the same
# database and roles as tools/scripts/setup-database.mjs creates elsewhere. The owner runs the
# migrations; the apps' role may only connect, insert and read (granted at migration).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="${SENSORS_OWNER_PASSWORD:-sensors_owner}" \
  -v app_password="${SENSORS_APP_PASSWORD:-sensors_app}" <<'SQL'
CREATE ROLE sensors_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE sensors_app LOGIN PASSWORD :'app_password';
CREATE DATABASE sensors OWNER sensors_owner;
REVOKE ALL ON DATABASE sensors FROM PUBLIC;
GRANT CONNECT ON DATABASE sensors TO sensors_app;
\connect sensors
ALTER SCHEMA public OWNER TO sensors_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sensors_app;
SQL
