#!/usr/bin/env bash
# Times "rainforest generate --enterprises N" into a fresh SQLite database,
# then the CSV import of the same city (exported once) into a fresh
# database, RUNS times each, and prints every run and the medians.
#
#   bench/generate.sh            # N=1000000 RUNS=3
#   N=100000 RUNS=5 bench/generate.sh
#   KEEP=/path/city.db bench/generate.sh   # keep the generated database
set -euo pipefail
N=${N:-1000000}
RUNS=${RUNS:-3}
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build "$work/rainforest"
rf="$work/rainforest"
echo "machine: $(machine)"

gen=()
for i in $(seq 1 "$RUNS"); do
	rm -f "$work/city.db"*
	t=$(now)
	"$rf" generate --enterprises "$N" --seed 1 --db "sqlite:$work/city.db" >/dev/null 2>&1
	gen+=("$(since "$t")")
	echo "generate run $i: ${gen[-1]} s"
done

t=$(now)
"$rf" export --db "sqlite:$work/city.db" --out "$work/city.csv" >/dev/null
echo "export of the city to CSV: $(since "$t") s, $(du -h "$work/city.csv" | cut -f1), $(($(wc -l <"$work/city.csv") - 1)) rows"
if [ -n "${KEEP:-}" ]; then
	"$rf" backup --db "sqlite:$work/city.db" --out "$KEEP" >/dev/null
	echo "kept the city in $KEEP"
fi
rm -f "$work/city.db"*

imp=()
for i in $(seq 1 "$RUNS"); do
	rm -f "$work/imported.db"*
	t=$(now)
	"$rf" import --db "sqlite:$work/imported.db" "$work/city.csv" >/dev/null
	imp+=("$(since "$t")")
	echo "import run $i: ${imp[-1]} s"
done

echo "generate --enterprises $N: median $(median "${gen[@]}") s (target 60 s for 1,000,000)"
echo "import of $N enterprises from CSV: median $(median "${imp[@]}") s (target 90 s for 1,000,000)"
