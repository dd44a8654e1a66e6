-- wrk script for bench/study.py: run as  wrk -t16 -c16 ... -s study.lua URL -- DATAFILE
--
-- DATAFILE (written by bench/study.py) returns a table:
--   { mode = "answer" | "get", path = "/...", threads = { [1] = { users }, [2] = ... } }
-- and each user is { cookie = "session=...", csrf = "...", fields = { question_id=..., card_id=...,
-- version=..., token=..., shown_at=... } or nil }.
--
-- mode "answer": every request posts the current card's fields with a rating (mostly Good, some
-- Again) as htmx; response() reads the next card's fields from the returned fragment. When a user's
-- day is finished the thread moves on to its next user; when all are finished it falls back to
-- GET /study (htmx) and counts those requests separately.
-- mode "get": every request is GET `path` (htmx) with the thread's cookie (the baseline and the
-- read-only pages); "post" is the same as a POST with a constant form body, with the user's
-- csrf_token first when it has one (the empty routes check it; the card baselines are exempt).
--
-- done() prints one line "BENCHSTATS key=value ..." that bench/study.py parses.

local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local data, mode, path, users, idx, refresh
stats = { answers = 0, gets = 0, ok = 0, conflict = 0, other = 0, switched = 0, exhausted = 0 }
local constant_body = nil

local function enc(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  data = dofile(args[1])
  mode = data.mode
  path = data.path
  users = data.threads[((id - 1) % #data.threads) + 1]
  idx = 1
  refresh = users[1].fields == nil
  math.randomseed(id * 7919 + os.time())
  if mode == "post" then
    constant_body = "question_id=1&card_id=12345&version=7&token=bench-baseline-token-abcd&shown_at=1767268800000&rating=3"
  end
end

local function headers_for(u, form)
  local h = { ["HX-Request"] = "true", ["HX-Current-URL"] = "http://127.0.0.1/study" }
  if u.cookie and u.cookie ~= "" then h["Cookie"] = u.cookie end
  if form then h["Content-Type"] = "application/x-www-form-urlencoded" end
  return h
end

function request()
  local u = users[idx]
  if mode == "get" then
    stats.gets = stats.gets + 1
    return wrk.format("GET", path, headers_for(u, false))
  end
  if mode == "post" then
    stats.gets = stats.gets + 1
    if u.csrf and u.csrf ~= "" then
      return wrk.format("POST", path, headers_for(u, true), "csrf_token=" .. enc(u.csrf) .. "&" .. constant_body)
    end
    return wrk.format("POST", path, headers_for(u, true), constant_body)
  end
  if refresh or u.fields == nil then
    stats.gets = stats.gets + 1
    return wrk.format("GET", "/study", headers_for(u, false))
  end
  local f = u.fields
  local rating = 3
  if math.random() < 0.15 then rating = 1 end
  local body = "csrf_token=" .. enc(u.csrf) .. "&question_id=" .. f.question_id
  if f.card_id then body = body .. "&card_id=" .. f.card_id end
  body = body .. "&version=" .. f.version .. "&token=" .. enc(f.token) .. "&shown_at=" .. f.shown_at
    .. "&rating=" .. rating
  stats.answers = stats.answers + 1
  return wrk.format("POST", "/study/answer", headers_for(u, true), body)
end

local function parse(body)
  local q = string.match(body, 'name="question_id" value="(%d+)"')
  local token = string.match(body, 'name="token" value="([^"]+)"')
  if not q or not token then return nil end
  return {
    question_id = q,
    card_id = string.match(body, 'name="card_id" value="(%d+)"'),
    version = string.match(body, 'name="version" value="(%d+)"'),
    token = token,
    shown_at = string.match(body, 'name="shown_at" value="(%d+)"'),
  }
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    stats.ok = stats.ok + 1
  elseif status == 409 then
    stats.conflict = stats.conflict + 1
  else
    stats.other = stats.other + 1
  end
  if mode ~= "answer" then return end
  local u = users[idx]
  local cookie = headers["Set-Cookie"] or headers["set-cookie"]
  if cookie then
    local value = string.match(cookie, "(session=[^;]*)")
    if value then u.cookie = value end
  end
  local f = parse(body)
  if f then
    u.fields = f
    refresh = false
  elseif string.find(body, 'id="study"', 1, true) then
    -- a study fragment without a card: this user's day is done
    u.fields = nil
    if idx < #users then
      idx = idx + 1
      stats.switched = stats.switched + 1
      refresh = users[idx].fields == nil
    else
      refresh = true
      stats.exhausted = 1
    end
  else
    refresh = true  -- an error page: reload the current card
  end
end

function done(summary, latency, requests)
  local total = { answers = 0, gets = 0, ok = 0, conflict = 0, other = 0, switched = 0, exhausted = 0 }
  for _, t in ipairs(threads) do
    local s = t:get("stats")
    for k, v in pairs(total) do total[k] = v + (s[k] or 0) end
  end
  io.write(string.format(
    "BENCHSTATS answers=%d gets=%d ok=%d conflict=%d other=%d switched=%d exhausted_threads=%d\n",
    total.answers, total.gets, total.ok, total.conflict, total.other, total.switched, total.exhausted))
end
