-- wrk script: POST the sample check questions in turn, with a business client's token.
-- Environment: TOKEN (bearer token), QUESTIONS (JSON lines), BATCH (questions per request,
-- 0 or unset: one question per request to /api/v1/checks).
-- Every request is formatted once, at start; sending one costs the client the same as in
-- healthz.lua, so that the two runs differ only in what the server does.

local requests = {}
local counter = 0

function init(args)
  local token = os.getenv("TOKEN")
  local batch = tonumber(os.getenv("BATCH") or "0")
  local lines = {}
  for line in io.lines(os.getenv("QUESTIONS")) do
    lines[#lines + 1] = line
  end
  local bodies = {}
  local path = "/api/v1/checks"
  if batch > 0 then
    for start = 1, #lines - batch + 1, batch do
      bodies[#bodies + 1] = '{"checks":[' .. table.concat(lines, ",", start, start + batch - 1) .. ']}'
    end
    path = "/api/v1/checks/batch"
  else
    bodies = lines
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  for i = 1, #bodies do
    requests[i] = wrk.format("POST", path, headers, bodies[i])
  end
  counter = math.random(#requests)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

done = function(summary, latency, requests)
  local per = math.max(tonumber(os.getenv("BATCH") or "0"), 1)
  io.write(string.format("RESULT rps=%.1f p50=%d p99=%d p999=%d errors=%d checks=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    (summary.requests - summary.errors.status) * per))
end
