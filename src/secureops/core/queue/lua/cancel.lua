-- ARGV: id. Waiting/delayed job -> removed (1); processing -> cancel requested, seen by heartbeats (2);
-- anything else (unknown, finished) -> 0.
local id = ARGV[1]
local jkey = P .. "job:" .. id
local h = redis.call("HMGET", jkey, "status", "groupId")
if h[1] == "waiting" or h[1] == "delayed" then
  redis.call("ZREM", P .. "g:" .. h[2], id)
  redis.call("ZREM", P .. "delayed", id)
  drop_job(id)
  group_settle(h[2], nil)
  return 1
elseif h[1] == "processing" then
  redis.call("HSET", jkey, "cancelRequested", "1")
  return 2
end
return 0
