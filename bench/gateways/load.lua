-- wrk script: POSTs one GraphQL body, each request with the next token of a pool (one per line), and
-- prints a JSON summary at the end.   wrk ... -s load.lua <url> -- <tokens file> <body file>
local tokens, count, index = {}, 0, 0

function init(args)
  for line in io.lines(args[1]) do
    count = count + 1
    tokens[count] = "Bearer " .. line
  end
  local file = io.open(args[2], "r")
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  index = math.random(count)
end

function request()
  index = index % count + 1
  wrk.headers["Authorization"] = tokens[index]
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"socketErrors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
