-- wrk script of bench/rest-validate.sh for the baseline (GET /api/v1/ping): only the summary line,
-- in the same format as validate.lua's (wrapped and lines do not apply and are 0).
function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f " ..
      "non2xx=%d socket_errors=%d wrapped=0 lines=0\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, latency.mean / 1000,
      e.status, e.connect + e.read + e.write + e.timeout))
end
