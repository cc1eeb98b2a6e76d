-- ARGV: repeatKey, expectedRunAt, nextRunAt, newDefinitionJSON, instance fields (as enqueue, 10), stream, maxlen
-- Compare-and-set on repeat:schedule, so that of several workers ticking the same schedule exactly one
-- enqueues the instance. Returns 1 when this call enqueued it, 0 otherwise.
local key = ARGV[1]
local cur = redis.call("ZSCORE", P .. "repeat:schedule", key)
if not cur or tonumber(cur) ~= tonumber(ARGV[2]) then
  return 0
end
redis.call("SET", P .. "repeat:" .. key, ARGV[4])
redis.call("ZADD", P .. "repeat:schedule", tonumber(ARGV[3]), key)
local now = now_ms()
local added = enqueue(ARGV[5], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10],
  ARGV[11], ARGV[12], ARGV[13], now)
if added == 1 and ARGV[14] ~= "" then
  emit(ARGV[15], ARGV[16], ARGV[14], ARGV[10], ARGV[5], ARGV[13], "")
end
return 1
