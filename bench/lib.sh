# Helpers shared by the benchmark scripts (sourced, not run).

# now prints the time in seconds with nanoseconds.
now() { date +%s.%N; }

# since START prints the seconds elapsed since START, to 0.01 s.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# median prints the median of its arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# build compiles the command into $1.
build() { (cd "$(dirname "${BASH_SOURCE[0]}")/.." && go build -o "$1" ./cmd/rainforest); }

# wait_ready URL waits up to 60 s for URL to answer 200.
wait_ready() {
	for _ in $(seq 1 6000); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.01
	done
	echo "no answer from $1" >&2
	return 1
}

machine() { echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sm), load average $(cut -d' ' -f1-3 /proc/loadavg)"; }
