-- ARGV: action ("retry" | "purge"), then job ids (none = every dead-lettered job).
-- retry: back to waiting with attempts reset, at its original place in its group; purge: deleted.
local action = ARGV[1]
local ids = {}
for i = 2, #ARGV do
  table.insert(ids, ARGV[i])
end
if #ids == 0 then
  ids = redis.call("ZRANGE", P .. "failed", 0, -1)
end
local n = 0
for _, id in ipairs(ids) do
  if redis.call("ZREM", P .. "failed", id) == 1 then
    n = n + 1
    local jkey = P .. "job:" .. id
    local h = redis.call("HMGET", jkey, "groupId", "score")
    if action == "retry" and h[1] and h[2] then
      redis.call("HSET", jkey, "status", "waiting", "attempts", "0", "stalledCount", "0")
      redis.call("HDEL", jkey, "failedReason", "failedName", "stacktrace", "finishedOn", "cancelRequested")
      redis.call("SET", P .. "unique:" .. id, id)
      redis.call("SADD", P .. "groups", h[1])
      redis.call("ZADD", P .. "g:" .. h[1], tonumber(h[2]), id)
      if redis.call("LLEN", P .. "g:" .. h[1] .. ":active") == 0 then
        ready_add(h[1], nil)
      end
    else
      drop_job(id)
    end
  end
end
return n
