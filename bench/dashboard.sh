#!/usr/bin/env bash
# Time to first byte of the public indicators dashboard on a city of a
# million enterprises with a year of activity: generates the city on SQLite
# ("generate --enterprises N --activity-months 12", or uses DB=path), starts
# "serve --quiet", waits for the refresher's first pass over every
# indicator, then requests GET /indicators (and the JSON series of one
# indicator) REQS times each, one at a time, and prints the median and p95
# of the time to first byte, RUNS times.
#
#   bench/dashboard.sh
#   DB=/path/city.db REQS=300 bench/dashboard.sh
set -euo pipefail
N=${N:-1000000}
MONTHS=${MONTHS:-12}
RUNS=${RUNS:-3}
REQS=${REQS:-200}
PORT=${PORT:-18094}
. "$(dirname "$0")/lib.sh"
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
	"$rf" generate --enterprises "$N" --activity-months "$MONTHS" --seed 1 --db "sqlite:$db" 2>/dev/null
	echo "generated $N enterprises and $MONTHS months of activity in $(since "$t") s"
fi
t=$(now)
"$rf" serve --quiet --db "sqlite:$db" --addr "127.0.0.1:$PORT" >/dev/null 2>"$work/serve.log" &
srv=$!
base="http://127.0.0.1:$PORT"
wait_ready "$base/healthz"
# The refresher's first pass: every indicator has a state.
count() { { curl -sf "$base/api/v1/indicators" || true; } | { grep -o "\"$1\":\"[a-z0-9-]*\"" || true; } | sort -u | wc -l; }
want=$(count id)
for _ in $(seq 1 6000); do
	have=$(count indicator)
	[ "$have" -ge "$want" ] && break
	sleep 0.1
done
echo "first refresh of $want indicators done $(since "$t") s after start; milliseconds per indicator:"
curl -sf "$base/api/v1/indicators" | grep -o '"indicator":"[a-z0-9-]*"[^}]*"millis":[0-9]*' | sed 's/"indicator":"\([^"]*\)".*"millis":\([0-9]*\)/  \1 \2/' || true
echo "the city this month:"
curl -sf -H 'Accept-Language: en' "$base/indicators" | grep -o '<span class="n">[^<]*</span><span class="label">[^<]*' | sed 's/<span class="n">\([^<]*\)<\/span><span class="label">\(.*\)/  \2: \1/' || true

# p95 of the numbers on stdin.
p95() { sort -g | awk '{ v[NR] = $1 } END { i = int(NR * 0.95 + 0.999); if (i < 1) i = 1; print v[i] }'; }
ttfb() { # URL: REQS times to first byte, in ms, one per line
	for _ in $(seq 1 "$REQS"); do
		curl -s -o /dev/null -w '%{time_starttransfer}\n' "$1"
	done | awk '{ printf "%.2f\n", $1 * 1000 }'
}
for path in /indicators "/api/v1/indicators/loans-granted?district=jingan"; do
	ttfb "$base$path" >/dev/null # warm-up
	meds=() p95s=()
	for i in $(seq 1 "$RUNS"); do
		ttfb "$base$path" >"$work/t"
		m=$(median $(cat "$work/t")) p=$(p95 <"$work/t")
		meds+=("$m") p95s+=("$p")
		echo "run $i: GET $path, $REQS requests: first byte median $m ms, p95 $p ms"
	done
	echo "GET $path: median of medians $(median "${meds[@]}") ms, median p95 $(median "${p95s[@]}") ms (target: first byte ≤ 300 ms)"
done
