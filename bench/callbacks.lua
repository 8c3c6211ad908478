-- wrk script for bench/webhook.py: POST pre-generated, signed WeCom callbacks, each once.
-- Usage: wrk ... -s bench/callbacks.lua URL -- REQUEST_FILE WRK_THREADS
-- REQUEST_FILE has one request a line: "<path?query>\t<body>". Thread k of n takes lines
-- k, k+n, k+2n … so no two threads (and no two requests) share a MsgId unless the file runs
-- out, which is counted as a wrap and reported.
local threads, created = {}, 0

function setup(thread)
  thread:set("tid", created)
  created = created + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads, i = tonumber(args[2]), 0
  reqs, n, started, wraps, non200 = {}, 0, 0, 0, 0
  for line in io.lines(args[1]) do
    if i % nthreads == tid then
      local target, body = line:match("^([^\t]+)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", target, { ["Content-Type"] = "text/xml" }, body)
    end
    i = i + 1
  end
end

function request()
  n, started = n + 1, started + 1
  if n > #reqs then n, wraps = 1, wraps + 1 end
  return reqs[n]
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local started, wraps, non200 = 0, 0, 0
  for _, t in ipairs(threads) do
    started, wraps, non200 = started + t:get("started"), wraps + t:get("wraps"), non200 + t:get("non200")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non200=%d socket_errors=%d started=%d wraps=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), non200,
    e.connect + e.read + e.write + e.timeout, started, wraps))
end
