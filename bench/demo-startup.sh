#!/usr/bin/env bash
# Times "rainforest serve --demo" on a fresh SQLite database from the start
# of the process to the first 200 from /healthz, RUNS times, and prints the
# median. The binary is built first, so compiling is not counted.
set -euo pipefail
RUNS=${RUNS:-5}
PORT=${PORT:-18094}
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
build "$work/rainforest"
echo "machine: $(machine)"
ts=()
for i in $(seq 1 "$RUNS"); do
	t=$(now)
	"$work/rainforest" serve --demo --quiet --db "sqlite:$work/demo$i.db" --addr "127.0.0.1:$PORT" >/dev/null 2>&1 &
	srv=$!
	wait_ready "http://127.0.0.1:$PORT/healthz"
	ts+=("$(since "$t")")
	kill "$srv"
	wait "$srv" 2>/dev/null || true
	srv=
	echo "run $i: ready in ${ts[-1]} s"
done
echo "serve --demo on a fresh database, ready: median $(median "${ts[@]}") s (target 2 s)"
