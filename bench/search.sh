#!/usr/bin/env bash
# Search: N generated listings (half Chinese, half English) in the engine's
# index on SQLite against PostgreSQL full-text search on the same rows.
#
# bench/searchbench generates the listings, builds the engine's index in a
# fresh SQLite database (PutMany in transactions, as the platform writes
# it) and times the build, runs the query mix (Chinese and English, a typo,
# one filter each, top 20) ROUNDS times and the need matching (a need of
# about 30 terms, any term, a field filter); then loads the same rows into
# a throw-away PostgreSQL cluster with a to_tsvector GIN index and a pg_trgm
# GIN index and runs the same mix there. It prints medians, p95 and the
# ratios.
#
#   bench/search.sh            # 1,000,000 listings
#   bench/search.sh 100000
#   ROUNDS=40 NEEDS=100 bench/search.sh 100000
set -euo pipefail
N=${1:-1000000}
ROUNDS=${ROUNDS:-20}
NEEDS=${NEEDS:-50}
PGPORT=${PGPORT:-55440}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
work=$(mktemp -d)
chmod 755 "$work"
pgdata="$work/pg"
cleanup() {
	if [ -f "$pgdata/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl -D $pgdata -m immediate stop" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sh -c "$1"; fi; }

(cd "$here/.." && go build -o "$work/searchbench" ./bench/searchbench)
echo "machine: $(machine)"

mkdir -p "$pgdata"
chown postgres "$work" "$pgdata" 2>/dev/null || true
# A UTF-8 locale, so that pg_trgm takes Chinese characters as word characters.
as_pg "$PGBIN/initdb -D $pgdata -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
as_pg "$PGBIN/pg_ctl -D $pgdata -o '-p $PGPORT -k $work -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=512MB' -l $work/pg.log start" >/dev/null
pg="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"

"$work/searchbench" -n "$N" -rounds "$ROUNDS" -needs "$NEEDS" -db "sqlite:$work/search.db" -pg "$pg"
echo "machine at the end: $(machine)"
