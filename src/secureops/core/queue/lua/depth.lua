#!lua flags=no-writes
-- Read-only snapshot for operators and the autoscaler, in one round trip: per group waiting (runnable
-- now), delayed and active; totals; runnable groups (unlocked with a head that may start now).
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delayed_by_group = {}
local d = redis.call("ZRANGE", P .. "delayed", 0, 9999)
for _, id in ipairs(d) do
  local gid = redis.call("HGET", P .. "job:" .. id, "groupId")
  if gid then
    delayed_by_group[gid] = (delayed_by_group[gid] or 0) + 1
  end
end
local groups = {}
local runnable_groups, waiting_total = 0, 0
for _, gid in ipairs(redis.call("SMEMBERS", P .. "groups")) do
  local n = redis.call("ZCARD", P .. "g:" .. gid)
  local active = redis.call("LLEN", P .. "g:" .. gid .. ":active")
  local delayed = delayed_by_group[gid] or 0
  local runnable = 0
  if active == 0 and n > 0 then
    local head = redis.call("ZRANGE", P .. "g:" .. gid, 0, 0)[1]
    local due = redis.call("ZSCORE", P .. "delayed", head)
    if not due or tonumber(due) <= now then
      runnable = 1
    end
  end
  runnable_groups = runnable_groups + runnable
  waiting_total = waiting_total + n - delayed
  if n > 0 or active > 0 then
    table.insert(groups, {gid, n - delayed, delayed, active, runnable})
  end
end
return cjson.encode({
  groups = groups,
  waiting = waiting_total,
  delayed = redis.call("ZCARD", P .. "delayed"),
  active = redis.call("ZCARD", P .. "processing"),
  failed = redis.call("ZCARD", P .. "failed"),
  completed = redis.call("ZCARD", P .. "completed"),
  runnable_groups = runnable_groups,
  paused = redis.call("EXISTS", P .. "paused"),
  now = now,
})
