-- wrk script: GET /healthz, sent the same way as check.lua sends checks (a request formatted
-- once, handed out by request()), with the same summary line.

local requests = {}

function init(args)
  requests[1] = wrk.format("GET", "/healthz")
end

function request()
  return requests[1]
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50=%d p99=%d p999=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
