-- wrk's side of bench/ingest.ts: each request carries new messages, the same as the benchmark's
-- `event()` (random UUIDs as message ids, a third of them from signed-in customers).
-- Environment: BENCH_EVENT (the message template), BENCH_AUTH (the Authorization header), BENCH_BATCH
-- (events per /v1/batch request; 0 sends single /v1/track calls), BENCH_SEED (a new one per run: two
-- runs on one server must not repeat ids).
local template = os.getenv("BENCH_EVENT")
local batch = tonumber(os.getenv("BENCH_BATCH"))
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = os.getenv("BENCH_AUTH") }
local hex = "0123456789abcdef"
local counter = 0
math.randomseed(tonumber(os.getenv("BENCH_SEED")))

local function uuid()
  local d = {}
  for i = 1, 32 do
    local r = math.random(1, 16)
    d[i] = hex:sub(r, r)
  end
  local s = table.concat(d)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-4" .. s:sub(14, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end

-- The template cut once at its placeholders: filling it per message is then a concatenation (gsub
-- per message doubled wrk's CPU under /v1/batch).
local pieces, keys = {}, {}
do
  local at = 1
  for from, key, to in template:gmatch("(){(%w+)}()") do
    pieces[#pieces + 1] = template:sub(at, from - 1)
    keys[#keys + 1] = key
    at = to
  end
  pieces[#pieces + 1] = template:sub(at)
end

-- The n-th message, as `event()` fills the same template.
local function event()
  local n = counter
  counter = counter + 1
  local values = {
    id = uuid(),
    customer = n % 50000,
    user = (n % 3 == 0) and ('"user-' .. (n % 50000) .. '"') or "null",
    product = n % 500,
  }
  local parts = {}
  for i = 1, #keys do
    parts[2 * i - 1] = pieces[i]
    parts[2 * i] = values[keys[i]]
  end
  parts[2 * #keys + 1] = pieces[#keys + 1]
  return table.concat(parts)
end

request = function()
  if batch == 0 then
    return wrk.format("POST", "/v1/track", headers, event())
  end
  local events = {}
  for i = 1, batch do
    events[i] = event()
  end
  return wrk.format("POST", "/v1/batch", headers, '{"batch":[' .. table.concat(events, ",") .. "]}")
end
