-- POST the candidate's question form, each request as a different form (its own client_key,
-- so the portal's double-submit guard never merges two), rotating over the signed-in candidates
-- listed in the file named by BENCH_WRK_SESSIONS: one "cookie<TAB>csrf token" line each.
-- Every 2xx/3xx answer's Location names the message it stored (#message-<id>): bench/web.py
-- checks each id against the database and counts the rest as lost.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua") -- setup(), done() and the thread list

local sessions = {}
local sessions_file = assert(os.getenv("BENCH_WRK_SESSIONS"), "BENCH_WRK_SESSIONS is not set")
for line in io.lines(sessions_file) do
  local cookie, token = line:match("^([^\t]+)\t(.+)$")
  if cookie then
    sessions[#sessions + 1] = { cookie = cookie, token = token }
  end
end
assert(#sessions > 0, "no sessions in BENCH_WRK_SESSIONS")

-- Thread states.
local sent = 0
local stamp = tostring(os.time())
ok = 0
ids = {}

function request()
  sent = sent + 1
  local session = sessions[((sent * 7 + thread_number) % #sessions) + 1]
  local key = string.format("b%s-%d-%d", stamp, thread_number, sent)
  local body = string.format(
    "csrf_token=%s&client_key=%s&body=Bench+question+%s",
    session.token, key, key
  )
  return wrk.format("POST", "/candidate/questions", {
    ["Cookie"] = session.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

function response(status, headers, body)
  if status >= 200 and status < 400 then
    ok = ok + 1
    local location = headers["Location"] or headers["location"] or ""
    local id = location:match("#message%-(%d+)")
    if id then
      ids[#ids + 1] = id
    end
  end
end

-- Main state, from done().
function bench_extra(sum)
  local all = {}
  for _, thread in ipairs(threads) do
    for _, id in ipairs(thread:get("ids")) do
      all[#all + 1] = id
    end
  end
  return string.format('"ok": %d, "message_ids": [%s]', sum("ok"), table.concat(all, ", "))
end
