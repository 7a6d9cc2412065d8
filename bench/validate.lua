-- wrk script of bench/rest-validate.sh: POSTs pre-computed HOTP codes to /api/v1/validate.
--
--   wrk -t T -c C -d Ds -s bench/validate.lua URL/api/v1/validate -- CODES_FILE TOKENS API_KEY T [POSITIONS]
--
-- CODES_FILE has one JSON body per line, round by round: line r*TOKENS+i is token i's code for
-- counter r. Each wrk thread takes the lines of the tokens with i % T == thread id (for TOKENS a
-- multiple of T that is exactly "line index % T"), and sends them in file order, so a token's codes
-- arrive in counter order and each is fresh: the measured path is the ACCEPT path. If a thread runs
-- out of lines it starts again from its first line; those requests are counted as "wrapped" (they
-- are replays, so they are rejected).
--
-- POSITIONS (comma-separated, one per thread) continues a file where an earlier run of the same
-- file, with the same T, stopped: thread t starts after its first POSITIONS[t] lines, so every code
-- is still fresh and each token's next code is at most one counter ahead of the server's (a request
-- in flight when the earlier run stopped may not have been served), within the HOTP look-ahead.
--
-- The requests are formatted once, in init(), and there is no response() function: wrk then reads
-- answers without handing them to Lua, which would cost wrk (sharing the cores with the appliance)
-- far more CPU per request than the static ping run. The answers are counted by the appliance
-- itself (validations_total on /metrics, read by rest-validate.sh before and after the run).
-- done() prints one machine-readable line:
--   BENCH requests=.. duration_s=.. rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. mean_ms=..
--         non2xx=.. socket_errors=.. wrapped=.. lines=.. positions=P0,P1,..
-- (positions: each thread's position after the run, for the POSITIONS of the next run)

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   local file, tokens, key, nthreads, start = args[1], tonumber(args[2]), args[3], tonumber(args[4]), args[5]
   if file == nil or tokens == nil or key == nil or nthreads == nil then
      error("usage: wrk -t T ... -s validate.lua URL -- CODES_FILE TOKENS API_KEY T [POSITIONS]")
   end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer " .. key
   prepared = {}
   local index = 0
   for line in io.lines(file) do
      if (index % tokens) % nthreads == id then
         prepared[#prepared + 1] = wrk.format(nil, nil, nil, line)
      end
      index = index + 1
   end
   if #prepared == 0 then
      error("thread " .. id .. " got no lines from " .. file)
   end
   lines = #prepared
   pos = 0
   if start ~= nil and start ~= "" then
      local n = 0
      for v in string.gmatch(start, "[^,]+") do
         if n == id then
            pos = tonumber(v)
         end
         n = n + 1
      end
   end
   wrapping = false
   wrapped = 0
end

function request()
   pos = pos + 1
   if pos > lines then
      pos = 1
      wrapping = true
   end
   if wrapping then
      wrapped = wrapped + 1
   end
   return prepared[pos]
end

function done(summary, latency, requests)
   local w, n, positions = 0, 0, {}
   for _, t in ipairs(threads) do
      w = w + t:get("wrapped")
      n = n + t:get("lines")
      positions[#positions + 1] = tostring(t:get("pos"))
   end
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f " ..
      "non2xx=%d socket_errors=%d wrapped=%d lines=%d positions=%s\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, latency.mean / 1000,
      e.status, e.connect + e.read + e.write + e.timeout, w, n, table.concat(positions, ",")))
end
