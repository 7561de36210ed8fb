-- One token bucket per key, as the service's in-memory budgets keep them (server/auth/limit.go):
-- burst tokens, refilled continuously at a rate per millisecond, by Redis's own clock.
-- KEYS[1]: the bucket (a hash {tokens, at}); ARGV[1]: "take" or "refund"; ARGV[2]: burst;
-- ARGV[3]: tokens per millisecond.
-- Answers {ok, whole, retry_after_ms}: ok 1 when a token was taken (take) or given back
-- (refund); whole 1 when the bucket was full before the take.
local burst = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local exists = v[1] ~= false
local tokens = burst
if exists then
  local d = now - tonumber(v[2])
  if d < 0 then d = 0 end
  tokens = math.min(burst, tonumber(v[1]) + d * rate)
end
-- A full bucket is the same as none: keep it only while it refills.
local function keep(level)
  if level >= burst then
    redis.call('DEL', KEYS[1])
    return
  end
  redis.call('HSET', KEYS[1], 'tokens', tostring(level), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - level) / rate) + 1000)
end
if ARGV[1] == 'take' then
  if tokens < 1 then
    return {0, 0, math.ceil((1 - tokens) / rate)}
  end
  local whole = 0
  if tokens >= burst then whole = 1 end
  keep(tokens - 1)
  return {1, whole, 0}
end
if exists then
  keep(math.min(burst, tokens + 1))
end
return {1, 0, 0}
