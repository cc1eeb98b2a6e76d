-- ARGV: keepCompleted, stream, maxlen, then per job 5 fields: id, lease, resultJSON, topic, eventData
-- A job is completed only by the holder of its current lease: a worker whose job was recovered after a
-- missed deadline (and maybe re-run elsewhere) cannot complete someone else's run.
-- Returns per job 1 (done) or 0 (not ours any more).
local keep, stream, maxlen = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local now = now_ms()
local out = {}
for i = 4, #ARGV, 5 do
  local id, lease = ARGV[i], ARGV[i + 1]
  local jkey = P .. "job:" .. id
  local h = redis.call("HMGET", jkey, "status", "lease", "groupId", "tenantId")
  -- ZREM doubles as the "still processing" check (it removes only what is there): one call instead of two.
  if h[1] == "processing" and h[2] == lease and redis.call("ZREM", P .. "processing", id) == 1 then
    local gid = h[3]
    redis.call("LREM", P .. "g:" .. gid .. ":active", 0, id)
    if keep > 0 then
      redis.call("DEL", P .. "processing:" .. id)
      redis.call("HSET", jkey, "status", "completed", "finishedOn", string.format("%d", now),
        "returnvalue", ARGV[i + 2])
      redis.call("ZADD", P .. "completed", now, id)
      trim(P .. "completed", keep)
    else
      redis.call("DEL", P .. "processing:" .. id, jkey, P .. "unique:" .. id)
    end
    group_settle(gid, fair_score(now))
    if ARGV[i + 3] ~= "" then
      emit(stream, maxlen, ARGV[i + 3], id, gid, h[4], ARGV[i + 4])
    end
    table.insert(out, 1)
  else
    table.insert(out, 0)
  end
end
return out
