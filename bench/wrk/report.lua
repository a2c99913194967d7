-- What one wrk run measured, as one JSON object in the file named by BENCH_WRK_OUT
-- (bench/web.py reads it). Besides wrk's own counts it counts "unexpected" answers: 2xx/3xx
-- ones other than BENCH_WRK_EXPECT (200 by default), such as a redirect to the sign-in page.
-- A script that loads this one may add "key": value pairs by defining bench_extra().

local expected = tonumber(os.getenv("BENCH_WRK_EXPECT") or "200")

-- Main state: the threads, numbered, so done() can read what each one counted.
threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_number", #threads)
end

-- Thread states.
unexpected = 0

function response(status, headers, body)
  if status ~= expected and status >= 200 and status < 400 then
    unexpected = unexpected + 1
  end
end

local function sum(name)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get(name)
  end
  return total
end

function done(summary, latency, requests)
  local errors = summary.errors
  local figures = {
    { "duration_us", summary.duration },
    { "requests", summary.requests },
    { "bytes", summary.bytes },
    { "connect_errors", errors.connect },
    { "read_errors", errors.read },
    { "write_errors", errors.write },
    { "status_errors", errors.status },
    { "timeouts", errors.timeout },
    { "unexpected", sum("unexpected") },
    { "p50_us", latency:percentile(50) },
    { "p99_us", latency:percentile(99) },
  }
  local parts = {}
  for _, figure in ipairs(figures) do
    parts[#parts + 1] = string.format('"%s": %d', figure[1], figure[2])
  end
  if bench_extra then
    parts[#parts + 1] = bench_extra(sum)
  end
  local path = assert(os.getenv("BENCH_WRK_OUT"), "BENCH_WRK_OUT is not set")
  local out = assert(io.open(path, "w"))
  out:write("{" .. table.concat(parts, ", ") .. "}\n")
  out:close()
end
