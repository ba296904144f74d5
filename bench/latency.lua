-- Prints one machine-readable line at the end of a wrk run:
-- RESULT requests/s p50_ms p90_ms p99_ms max_ms errors
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %.0f %.2f %.2f %.2f %.2f %d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		e.connect + e.read + e.write + e.status + e.timeout))
end
