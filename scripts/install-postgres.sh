#!/usr/bin/env bash
# PostgreSQL for the workspace tests: install Debian's postgresql when missing, start a
# cluster, create a role and a database, and print the database URL on stdout
# (scripts/test.sh exports it as TIERWISE_TEST_PG_URL). Idempotent. Needs root (apt-get;
# pg_ctlcluster, because pg_ctl refuses to run as root).
set -euo pipefail

ROLE="${TIERWISE_PG_ROLE:-tierwise}"
PASSWORD="${TIERWISE_PG_PASSWORD:-tierwise}"
DB="${TIERWISE_PG_DB:-tierwise_test}"
log() { echo "install-postgres.sh: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "run as root (it uses apt-get to install Debian's postgresql)"
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    pg_createcluster "$VERSION" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    pg_ctlcluster "$VERSION" main start >&2
fi
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')"

as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
psql_admin() { as_postgres "psql -p $PORT -v ON_ERROR_STOP=1 -qtAc \"$1\""; }

# The role may create databases: the tests make one fresh database per test.
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    psql_admin "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
# Dropping a test database WITH (FORCE) ends the sessions on it; an autovacuum worker's
# session belongs to no role, and ending it needs pg_signal_backend (without it a drop
# that met a worker failed with "must be a member of the role whose process is being
# terminated"). Granting it again is harmless.
psql_admin "GRANT pg_signal_backend TO $ROLE" >&2
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
    psql_admin "CREATE DATABASE $DB OWNER $ROLE" >&2
fi
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
