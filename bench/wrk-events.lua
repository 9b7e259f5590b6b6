-- wrk's side of bench/ingest.ts: each request carries new messages, the same as the benchmark's
-- `event()` (random UUIDs as message ids, a third of them from signed-in customers).
-- Environment: BENCH_AUTH (the Authorization header), BENCH_BATCH (events per /v1/batch request; 0 sends
-- single /v1/track calls), BENCH_SEED (a new one per run: two runs on one server must not repeat ids).
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

local function event()
  local n = counter
  counter = counter + 1
  local user = (n % 3 == 0) and ('"user-' .. (n % 50000) .. '"') or "null"
  return '{"type":"track","event":"Product Viewed","messageId":"' .. uuid() .. '","anonymousId":"anon-'
    .. (n % 50000) .. '","userId":' .. user .. ',"timestamp":"2026-11-23T10:00:00.000Z","properties":{"product_id":"sku-'
    .. (n % 500) .. '","price":19.9,"currency":"EUR"},"context":{"page":{"url":"https://shop.example/p/' .. (n % 500)
    .. '?utm_source=google&utm_medium=cpc","referrer":"https://www.google.com/"},"userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}}'
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
