#!/usr/bin/env bash
# ci-setup.sh starts a throwaway PostgreSQL 15 + PostGIS 3 server for the
# data/postgres tests on a clean Debian bookworm machine, and prints the
# environment the tests read:
#
#	eval "$(data/postgres/ci-setup.sh)"
#	go test ./data/postgres
#
# It installs the packages when they are missing (as root, or through sudo),
# creates a cluster under $HOTSPOTS_PG_DIR (default /tmp/hotspots-pg), starts
# it on 127.0.0.1 (first free port from $HOTSPOTS_PG_PORT, default 54329)
# with trust authentication and without fsync (the data is disposable), and
# creates the database hotspots_test with PostGIS. Running it again reuses
# the running server. Only the export lines go to stdout; progress goes to
# stderr. Stop the server with:
#
#	runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/hotspots-pg/data stop
set -euo pipefail

PGVER=${HOTSPOTS_PG_VERSION:-15}
PGDIR=${HOTSPOTS_PG_DIR:-/tmp/hotspots-pg}
PORT=${HOTSPOTS_PG_PORT:-54329}
DB=hotspots_test
BIN=/usr/lib/postgresql/$PGVER/bin

log() { echo "ci-setup: $*" >&2; }

if [ "$(id -u)" = 0 ]; then
	SUDO=()
	AS=(runuser -u postgres --)
else
	SUDO=(sudo -n)
	AS=()
fi

# 1. packages
if [ ! -x "$BIN/initdb" ] || [ ! -f "/usr/share/postgresql/$PGVER/extension/postgis.control" ]; then
	log "installing postgresql-$PGVER and postgresql-$PGVER-postgis-3"
	# no default cluster on port 5432: this script makes its own
	"${SUDO[@]}" mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" | "${SUDO[@]}" tee /etc/postgresql-common/createcluster.d/hotspots-ci.conf >/dev/null
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"postgresql-$PGVER" "postgresql-$PGVER-postgis-3" >&2
fi

# 2. cluster
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDIR"
	chown postgres: "$PGDIR"
else
	mkdir -p "$PGDIR"
fi
if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
	log "creating a cluster in $PGDIR/data"
	"${AS[@]}" "$BIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >&2
fi

running_port() {
	# postmaster.pid line 4 is the port
	sed -n 4p "$PGDIR/data/postmaster.pid" 2>/dev/null
}

if "${AS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
	PORT=$(running_port)
	log "server already running on port $PORT"
else
	while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
		PORT=$((PORT + 1))
	done
	log "starting the server on 127.0.0.1:$PORT"
	"${AS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 start \
		-o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2
fi

# 3. database with PostGIS
psql_() { PGOPTIONS="-c client_min_messages=warning" "${AS[@]}" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PORT" -U postgres "$@"; }
if [ "$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
	psql_ -d postgres -c "CREATE DATABASE $DB" >&2
fi
psql_ -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS postgis" >&2

echo "export HOTSPOTS_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable'"
