#!/usr/bin/env bash
# Load test of the directory API on a city of a million enterprises:
# generates it on SQLite (or uses DB=path/to/city.db), starts "serve
# --quiet", and runs wrk with 32 connections on
# GET /api/v1/orgs?district=jingan&limit=50 for 30 s, RUNS times, after a
# warm-up. Prints requests/s and latency percentiles per run and the
# medians. Needs wrk (Debian: apt-get install wrk).
#
#   bench/orgs-api.sh
#   DB=/path/city.db RUNS=5 DURATION=30s bench/orgs-api.sh
set -euo pipefail
N=${N:-1000000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-30s}
CONNS=${CONNS:-32}
PORT=${PORT:-18093}
PATH_Q=${PATH_Q:-/api/v1/orgs?district=jingan&limit=50}
# SCRIPT=uncached.lua defeats the response cache (see uncached.lua).
SCRIPT=${SCRIPT:-latency.lua}
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
build "$work/rainforest"
rf="$work/rainforest"
echo "machine: $(machine)"
db=${DB:-}
if [ -z "$db" ]; then
	db="$work/city.db"
	t=$(now)
	"$rf" generate --enterprises "$N" --seed 1 --db "sqlite:$db" >/dev/null 2>&1
	echo "generated $N enterprises in $(since "$t") s"
fi
"$rf" serve --quiet --db "sqlite:$db" --addr "127.0.0.1:$PORT" >/dev/null 2>"$work/serve.log" &
srv=$!
url="http://127.0.0.1:$PORT$PATH_Q"
wait_ready "http://127.0.0.1:$PORT/healthz"
curl -sf "$url" | head -c 200
echo
wrk -t2 -c"$CONNS" -d5s -s "$(dirname "$0")/$SCRIPT" "$url" >/dev/null # warm-up
rps=() p50=() p99=()
for i in $(seq 1 "$RUNS"); do
	read -r _ r a _ c _ e < <(wrk -t2 -c"$CONNS" -d"$DURATION" -s "$(dirname "$0")/$SCRIPT" "$url" | grep '^RESULT')
	rps+=("$r") p50+=("$a") p99+=("$c")
	echo "run $i: $r requests/s, p50 $a ms, p99 $c ms, errors $e"
done
echo "GET $PATH_Q ($SCRIPT), $CONNS connections, $DURATION: median $(median "${rps[@]}") requests/s, p50 $(median "${p50[@]}") ms, p99 $(median "${p99[@]}") ms (targets 5,000 requests/s, p99 50 ms)"
