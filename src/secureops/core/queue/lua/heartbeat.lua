-- ARGV: extendMs, then pairs id, lease. Per job: 1 extended, 2 extended but cancel requested, 0 lost.
local ext = tonumber(ARGV[1])
local now = now_ms()
local out = {}
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  local h = redis.call("HMGET", P .. "job:" .. id, "status", "lease", "cancelRequested")
  if h[1] == "processing" and h[2] == ARGV[i + 1] and redis.call("ZSCORE", P .. "processing", id) then
    local deadline = now + ext
    redis.call("ZADD", P .. "processing", deadline, id)
    redis.call("HSET", P .. "processing:" .. id, "deadlineAt", string.format("%d", deadline))
    table.insert(out, h[3] and 2 or 1)
  else
    table.insert(out, 0)
  end
end
return out
