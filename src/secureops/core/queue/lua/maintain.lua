-- ARGV: maxStalled, keepFailed, repairEveryMs (0 = no repair)
-- Recover stalled jobs, promote due delayed jobs and unwedge every group whose active list holds an id that
-- is not processing (left by GroupMQ 1.1.0 workers). The repair walks all groups, so it runs at most once
-- per repairEveryMs across all workers (repair:lock). Returns {id, gid, outcome, ..., repaired}.
local now = now_ms()
local out = recover_stalled(now, 1000, tonumber(ARGV[1]), tonumber(ARGV[2]))
promote_due(now, 1000)
local repaired = 0
local every = tonumber(ARGV[3]) or 0
if every > 0 and redis.call("SET", P .. "repair:lock", "1", "PX", every, "NX") then
  for _, gid in ipairs(redis.call("SMEMBERS", P .. "groups")) do
    local akey = P .. "g:" .. gid .. ":active"
    for _, aid in ipairs(redis.call("LRANGE", akey, 0, -1)) do
      if not redis.call("ZSCORE", P .. "processing", aid) then
        redis.call("LREM", akey, 0, aid)
        if redis.call("HGET", P .. "job:" .. aid, "status") == "processing" then
          if redis.call("ZSCORE", P .. "g:" .. gid, aid) then
            redis.call("HSET", P .. "job:" .. aid, "status", "waiting")
          end
        end
        repaired = repaired + 1
      end
    end
    if redis.call("LLEN", akey) == 0 then
      local head = redis.call("ZRANGE", P .. "g:" .. gid, 0, 0)
      if #head > 0 and redis.call("HGET", P .. "job:" .. head[1], "status") ~= "delayed" then
        if not redis.call("ZSCORE", P .. "ready", gid) then
          ready_add(gid, nil)
        end
      elseif #head == 0 then
        group_settle(gid, nil)
      end
    end
  end
end
table.insert(out, repaired)
return out
