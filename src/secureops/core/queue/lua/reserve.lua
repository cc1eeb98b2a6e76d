-- ARGV: visibilityMs, maxJobs, maxStalled, keepFailed, stream, maxlen, assignedTopic ("" = no event)
-- Round robin: `ready` is ordered by max(head score, last served time), so the group served longest ago
-- goes first. Locked, empty and delayed-head groups met on the way are taken out of `ready` (whoever
-- unlocks or promotes them puts them back), so they never clog the scan window.
-- Returns {nextDelayedDue or -1, paused (0/1), then per job 12 fields}.
local vt, max_jobs = tonumber(ARGV[1]), tonumber(ARGV[2])
local max_stalled, keep_failed = tonumber(ARGV[3]), tonumber(ARGV[4])
local stream, maxlen, topic = ARGV[5], ARGV[6], ARGV[7]
local now = now_ms()
local out = {-1, 0}

local function next_due()
  local d = redis.call("ZRANGE", P .. "delayed", 0, 0, "WITHSCORES")
  if #d > 0 then
    return tonumber(d[2])
  end
  return -1
end

if redis.call("EXISTS", P .. "paused") == 1 then
  out[2] = 1
  return out
end
recover_stalled(now, 20, max_stalled, keep_failed)
promote_due(now, 100)

local taken, examined = 0, 0
while taken < max_jobs and examined < 200 do
  local gids = redis.call("ZRANGE", P .. "ready", 0, 19)
  if #gids == 0 then
    break
  end
  local progressed = false
  local unready = {} -- groups to take out of `ready`: one ZREM per window rather than one per group
  for _, gid in ipairs(gids) do
    examined = examined + 1
    local akey = P .. "g:" .. gid .. ":active"
    local locked = false
    for _, aid in ipairs(redis.call("LRANGE", akey, 0, -1)) do
      if redis.call("ZSCORE", P .. "processing", aid) then
        locked = true
      else
        -- Repair a group wedged by GroupMQ 1.1.0's inline recovery: the id left in active is not processing.
        redis.call("LREM", akey, 0, aid)
        if redis.call("ZSCORE", P .. "g:" .. gid, aid) and redis.call("HGET", P .. "job:" .. aid, "status") ==
            "processing" then
          redis.call("HSET", P .. "job:" .. aid, "status", "waiting")
        end
      end
    end
    local gkey = P .. "g:" .. gid
    -- Pop the head at once (one call instead of a read and a remove); put it back, at its exact score, if it
    -- may not start yet.
    local head = (not locked) and redis.call("ZPOPMIN", gkey) or {}
    local id = head[1]
    local jkey = id and (P .. "job:" .. id)
    local j = id and redis.call("HMGET", jkey, "status", "data", "attempts", "maxAttempts", "timestamp", "orderMs",
      "score", "backoff", "tenantId", "lease")
    local status = j and j[1]
    if id and status == "delayed" then
      local due = redis.call("ZSCORE", P .. "delayed", id)
      if due and tonumber(due) > now then
        redis.call("ZADD", gkey, head[2], id)
        id = nil
      else
        redis.call("ZREM", P .. "delayed", id)
        redis.call("HDEL", jkey, "runAt")
        status = "waiting"
      end
    end
    if id and not status then
      -- A group member without a job record (deleted by hand): it is dropped; look at the group again later.
      group_settle(gid, nil)
      progressed = true
    elseif id then
      table.insert(unready, gid)
      redis.call("LPUSH", akey, id)
      local deadline = now + vt
      local lease = (tonumber(j[10]) or 0) + 1
      redis.call("HSET", jkey, "status", "processing", "processedOn", string.format("%d", now), "lease",
        string.format("%d", lease))
      redis.call("ZADD", P .. "processing", deadline, id)
      redis.call("HSET", P .. "processing:" .. id, "groupId", gid, "deadlineAt", string.format("%d", deadline))
      table.insert(out, id); table.insert(out, gid); table.insert(out, j[2] or "null")
      table.insert(out, j[3] or "0"); table.insert(out, j[4] or "1"); table.insert(out, j[5] or "0")
      table.insert(out, j[6] or "0"); table.insert(out, j[7] or "0"); table.insert(out, deadline)
      table.insert(out, lease); table.insert(out, j[8] or ""); table.insert(out, j[9] or "")
      if topic ~= "" then
        emit(stream, maxlen, topic, id, gid, j[9], "")
      end
      taken = taken + 1
      progressed = true
      if taken >= max_jobs then
        break
      end
    else
      -- locked, empty or waiting for its delay: out of `ready` until unlocked/promoted
      table.insert(unready, gid)
      if not locked and redis.call("ZCARD", gkey) == 0 and redis.call("LLEN", akey) == 0 then
        redis.call("SREM", P .. "groups", gid)
      end
      progressed = true
    end
  end
  if #unready > 0 then
    redis.call("ZREM", P .. "ready", unpack(unready))
  end
  if not progressed then
    break
  end
end
if taken == 0 then
  out[1] = next_due()
end
return out
