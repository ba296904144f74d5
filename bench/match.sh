#!/usr/bin/env bash
# City-wide matching: N generated enterprises × P programs.
#
# 1. generates the city into SQLite (or takes CITY=path, a SQLite file made
#    by "rainforest generate"), creates and publishes P programs
#    (bench/matchsetup: four templates of four criteria with varied
#    thresholds) and writes, for the same programs, one SQL query per
#    program computing every criterion's status for every enterprise;
# 2. runs "rainforest match" RUNS times, each on a fresh copy of the city
#    (so every run is a first run that stores every eligible and unknown
#    pair), then once more on the matched city (a re-run: nothing changed);
# 3. generates the same city (same seed) into a throw-away PostgreSQL
#    cluster and runs the baseline, all P queries, RUNS times;
# 4. prints every run, the medians and the ratios.
#
#   bench/match.sh                     # N=1000000 P=200 RUNS=3
#   N=100000 RUNS=3 bench/match.sh
set -euo pipefail
N=${N:-1000000}
P=${P:-200}
RUNS=${RUNS:-3}
PGPORT=${PGPORT:-55439}
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

build "$work/rainforest"
rf="$work/rainforest"
echo "machine: $(machine)"

if [ -n "${CITY:-}" ]; then
	cp "$CITY" "$work/city.db"
else
	t=$(now)
	"$rf" generate --enterprises "$N" --seed 1 --db "sqlite:$work/city.db" >/dev/null 2>&1
	echo "generated $N enterprises in $(since "$t") s"
fi
(cd "$here/.." && go run ./bench/matchsetup -db "sqlite:$work/city.db" -programs "$P" -sql "$work/baseline.sql")

tot=()
ev=()
for i in $(seq 1 "$RUNS"); do
	# The city with its write-ahead log, if any (what matchsetup wrote may
	# not be checkpointed into the main file yet).
	rm -f "$work/run.db" "$work/run.db-wal" "$work/run.db-shm"
	cp "$work/city.db" "$work/run.db"
	if [ -f "$work/city.db-wal" ]; then cp "$work/city.db-wal" "$work/run.db-wal"; fi
	t=$(now)
	out=$("$rf" match --db "sqlite:$work/run.db")
	tot+=("$(since "$t")")
	ev+=("$(echo "$out" | sed -n 's/.*evaluate \([0-9.]*\) s.*/\1/p')")
	echo "match run $i: ${tot[-1]} s"
	echo "$out" | sed 's/^/    /'
done
t=$(now)
out=$("$rf" match --db "sqlite:$work/run.db")
rerun=$(since "$t")
echo "match re-run on the matched city: $rerun s"
echo "$out" | sed 's/^/    /'

mkdir -p "$pgdata"
chown postgres "$work" "$pgdata" 2>/dev/null || true
as_pg "$PGBIN/initdb -D $pgdata -A trust -U postgres" >/dev/null
as_pg "$PGBIN/pg_ctl -D $pgdata -o '-p $PGPORT -k $work -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c work_mem=64MB' -l $work/pg.log start" >/dev/null
pg="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"
t=$(now)
"$rf" generate --enterprises "$N" --seed 1 --db "$pg" >/dev/null 2>&1
psql -q "$pg" -c "VACUUM ANALYZE orgs" >/dev/null
echo "generated the same city into PostgreSQL in $(since "$t") s"
psql -q "$pg" -c "SELECT count(*) FROM orgs" >/dev/null # warm the cache
base=()
for i in $(seq 1 "$RUNS"); do
	t=$(now)
	psql -q -X -v ON_ERROR_STOP=1 "$pg" -f "$work/baseline.sql" >"$work/baseline.out"
	base+=("$(since "$t")")
	echo "baseline run $i ($P queries, one per program, PostgreSQL): ${base[-1]} s"
done

m=$(median "${tot[@]}")
e=$(median "${ev[@]}")
b=$(median "${base[@]}")
echo
echo "median rainforest match (first run, SQLite, load + evaluate + store): $m s"
echo "median of its evaluation alone: $e s"
echo "re-run with nothing changed: $rerun s"
echo "median SQL baseline (PostgreSQL): $b s"
awk -v b="$b" -v m="$m" -v e="$e" 'BEGIN { printf "ratio baseline / match: %.1f×; baseline / evaluation: %.1f×\n", b / m, b / e }'
