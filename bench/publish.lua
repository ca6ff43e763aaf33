-- wrk script: POST /publish with unique (or partly duplicate) event ids.
-- Settings come from the environment:
--   BATCH      events per request (default 1)
--   DUP_RATIO  fraction of events that repeat an earlier id of this thread (default 0)
--   IDS        "seq" (default) or "uuid" (random UUID v4 ids)
--   TOPICS     number of topics the events spread over (default 8)
local batch = tonumber(os.getenv("BATCH") or "1")
local dup_ratio = tonumber(os.getenv("DUP_RATIO") or "0")
local ids = os.getenv("IDS") or "seq"
local topics = tonumber(os.getenv("TOPICS") or "8")

local counter = 0
local prefix = ""
local payload = '{"user":"u-12345","action":"click","value":32.1,"tags":["a","b"],"n":42}'

function setup(thread)
  thread:set("thread_tag", tostring(math.random(1, 2^31)) .. "-" .. tostring(os.time()))
end

function init(args)
  prefix = thread_tag or tostring(math.random(1, 2^31))
  math.randomseed(os.time() + (#prefix * 7919) + math.random(1, 100000))
end

local function uuid4()
  local t = {}
  for i = 1, 16 do t[i] = math.random(0, 255) end
  t[7] = (t[7] % 16) + 64
  t[9] = (t[9] % 64) + 128
  return string.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
    t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15], t[16])
end

local function next_id()
  if dup_ratio > 0 and counter > 0 and math.random() < dup_ratio then
    return prefix .. "-" .. tostring(math.random(0, counter - 1)), counter
  end
  counter = counter + 1
  if ids == "uuid" then return uuid4(), counter end
  return prefix .. "-" .. tostring(counter - 1), counter
end

local function one_event()
  local id, n = next_id()
  return string.format(
    '{"topic":"bench-%d","event_id":"%s","timestamp":"2025-01-31T12:00:00.000Z","source":"wrk","payload":%s}',
    n % topics, id, payload)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  local body
  if batch == 1 then
    body = one_event()
  else
    local parts = {}
    for i = 1, batch do parts[i] = one_event() end
    body = "[" .. table.concat(parts, ",") .. "]"
  end
  return wrk.format(nil, "/publish", nil, body)
end

local non_200 = 0
function response(status, headers, body)
  if status ~= 200 then non_200 = non_200 + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("non2xx_or_errors=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
