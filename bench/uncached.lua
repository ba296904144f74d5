-- Like latency.lua, but every request carries a different, ignored
-- parameter, so that no answer comes from the directory's response cache:
-- this measures the query and the encoding themselves.
local counter = 0
request = function()
	counter = counter + 1
	return wrk.format(nil, wrk.path .. "&nocache=" .. counter)
end
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
