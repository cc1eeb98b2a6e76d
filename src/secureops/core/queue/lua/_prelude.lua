-- Shared helpers, prepended to every SecureOps GroupMQ script (see docs/queue.md).
-- KEYS[1] = "groupmq:<namespace>"; every other key name is built from it, as GroupMQ 1.1.0 does.
-- Times come from the server clock (TIME, millisecond precision) so that workers on skewed hosts agree.
local P = KEYS[1] .. ":"
local EPOCH = 1704067200000

local function now_ms()
  local t = redis.call("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Where a group goes in `ready`: its head's score, but never before `fair` (the "served" time of the
-- group), so a group that just ran queues behind every group that has waited longer: round robin.
local function ready_add(gid, fair)
  local head = redis.call("ZRANGE", P .. "g:" .. gid, 0, 0, "WITHSCORES")
  if #head == 0 then
    return false
  end
  local s = tonumber(head[2])
  if fair and fair > s then
    s = fair
  end
  redis.call("ZADD", P .. "ready", s, gid)
  return true
end

-- After a job leaves a group: re-queue the group if it has work, else forget it (unless it is locked).
local function group_settle(gid, fair)
  if not ready_add(gid, fair) then
    redis.call("ZREM", P .. "ready", gid)
    if redis.call("LLEN", P .. "g:" .. gid .. ":active") == 0 then
      redis.call("DEL", P .. "g:" .. gid)
      redis.call("SREM", P .. "groups", gid)
    end
  end
end

local function fair_score(now)
  return (now - EPOCH) * 1000 + 999
end

local function emit(stream, maxlen, topic, job_id, gid, tenant, extra)
  if stream == nil or stream == "" then
    return
  end
  redis.call("XADD", stream, "MAXLEN", "~", maxlen, "*", "topic", topic, "job", job_id, "group", gid,
    "tenant", tenant or "", "data", extra or "")
end

local function drop_job(id)
  redis.call("DEL", P .. "job:" .. id, P .. "unique:" .. id)
end

-- Keep at most `keep` ids in a retention zset (completed/failed); older records are deleted.
local function trim(zkey, keep)
  local n = redis.call("ZCARD", zkey) - keep
  if n > 0 then
    local old = redis.call("ZRANGE", zkey, 0, n - 1)
    redis.call("ZREMRANGEBYRANK", zkey, 0, n - 1)
    for _, id in ipairs(old) do
      drop_job(id)
    end
  end
end

-- Dead-letter a job that is in no structure any more (not in g, processing or active).
local function bury(id, jkey, now, reason, name, stack, keep_failed)
  if keep_failed > 0 then
    redis.call("HSET", jkey, "status", "failed", "failedReason", reason, "failedName", name,
      "stacktrace", stack, "finishedOn", string.format("%d", now))
    redis.call("ZADD", P .. "failed", now, id)
    trim(P .. "failed", keep_failed)
  else
    drop_job(id)
  end
end

-- Take a job out of processing (zset, hash, the group's active list): keeps the invariant
-- "an id is in g:<gid>:active iff it is processing" - the fix for GroupMQ 1.1.0's wedged groups.
local function unlock(id, gid)
  redis.call("ZREM", P .. "processing", id)
  redis.call("DEL", P .. "processing:" .. id)
  redis.call("LREM", P .. "g:" .. gid .. ":active", 0, id)
end

-- Recover up to `limit` jobs whose visibility deadline passed: back to the head of their group, or
-- dead-lettered after `max_stalled` stalls. Returns a flat list {id, gid, "recovered"|"failed", ...}.
local function recover_stalled(now, limit, max_stalled, keep_failed)
  local out = {}
  local ids = redis.call("ZRANGEBYSCORE", P .. "processing", "-inf", now, "LIMIT", 0, limit)
  for _, id in ipairs(ids) do
    local jkey = P .. "job:" .. id
    local h = redis.call("HMGET", jkey, "groupId", "score", "stalledCount", "status")
    local gid = h[1] or redis.call("HGET", P .. "processing:" .. id, "groupId")
    if gid then
      unlock(id, gid)
    else
      redis.call("ZREM", P .. "processing", id)
      redis.call("DEL", P .. "processing:" .. id)
    end
    if h[1] and h[2] then
      local stalled = (tonumber(h[3]) or 0) + 1
      redis.call("HINCRBY", jkey, "lease", 1)
      redis.call("HSET", jkey, "stalledCount", tostring(stalled))
      if stalled > max_stalled then
        redis.call("ZREM", P .. "g:" .. gid, id)
        bury(id, jkey, now, "job stalled " .. stalled .. " times (max " .. max_stalled .. ")", "StalledError", "",
          keep_failed)
        table.insert(out, id); table.insert(out, gid); table.insert(out, "failed")
      else
        redis.call("ZADD", P .. "g:" .. gid, tonumber(h[2]), id)
        redis.call("SADD", P .. "groups", gid)
        redis.call("HSET", jkey, "status", "waiting")
        table.insert(out, id); table.insert(out, gid); table.insert(out, "recovered")
      end
      group_settle(gid, nil)
    elseif gid then
      group_settle(gid, nil)
    end
  end
  return out
end

-- Move due delayed jobs (their delay or backoff is over) back to waiting, at millisecond precision.
local function promote_due(now, limit)
  local ids = redis.call("ZRANGEBYSCORE", P .. "delayed", "-inf", now, "LIMIT", 0, limit)
  for _, id in ipairs(ids) do
    redis.call("ZREM", P .. "delayed", id)
    local jkey = P .. "job:" .. id
    local gid = redis.call("HGET", jkey, "groupId")
    if gid then
      if redis.call("HGET", jkey, "status") == "delayed" then
        redis.call("HSET", jkey, "status", "waiting")
      end
      redis.call("HDEL", jkey, "runAt")
      ready_add(gid, nil)
    end
  end
  return #ids
end

-- Enqueue one job (dedup by id). Returns 1 when added, 0 when a job with this id already exists.
-- Score: (orderMs - EPOCH) * 1000 + n. While orderMs does not go backwards (the default: now) scores are
-- strictly increasing across the queue (seq:last = "score:orderMs"), so FIFO holds across UTC midnight and
-- past 1000 jobs a day (GroupMQ 1.1.0 bugs). An explicit orderMs older than the newest job's falls back to
-- a per-day counter (with a TTL) capped at 999 within its millisecond.
local function enqueue(gid, data, max_attempts, order_ms, delay_until, id, client_ts, backoff, tenant, now)
  local jkey = P .. "job:" .. id
  local ukey = P .. "unique:" .. id
  if not redis.call("SET", ukey, id, "NX") then
    if redis.call("EXISTS", jkey) == 1 then
      return 0
    end
    redis.call("SET", ukey, id)
  elseif redis.call("EXISTS", jkey) == 1 then
    return 0
  end
  if order_ms == nil then
    order_ms = now
  end
  local base = (order_ms - EPOCH) * 1000
  local last, last_order = 0, 0
  local mark = redis.call("GET", P .. "seq:last")
  if mark then
    local a, b = string.match(mark, "^(%d+):(%d+)$")
    last, last_order = tonumber(a) or 0, tonumber(b) or 0
  end
  local score
  if order_ms >= last_order then
    score = math.max(base + 1, last + 1)
    redis.call("SET", P .. "seq:last", string.format("%d:%d", score, order_ms))
  else
    local day_key = P .. "seq:" .. math.floor(order_ms / 86400000)
    local n = redis.call("INCR", day_key)
    if n == 1 then
      redis.call("PEXPIRE", day_key, 172800000)
    end
    score = base + math.min(n, 999)
  end
  local status = "waiting"
  if delay_until > now then
    status = "delayed"
  end
  redis.call("HSET", jkey, "id", id, "groupId", gid, "data", data, "attempts", "0",
    "maxAttempts", tostring(max_attempts), "seq", string.format("%d", score - base),
    "timestamp", tostring(client_ts), "orderMs", string.format("%d", order_ms),
    "score", string.format("%d", score), "delayUntil", string.format("%d", delay_until), "status", status)
  if backoff ~= "" then
    redis.call("HSET", jkey, "backoff", backoff)
  end
  if tenant ~= "" then
    redis.call("HSET", jkey, "tenantId", tenant)
  end
  redis.call("SADD", P .. "groups", gid)
  redis.call("ZADD", P .. "g:" .. gid, score, id)
  if status == "delayed" then
    redis.call("ZADD", P .. "delayed", delay_until, id)
  end
  -- Always (re)announce the group when its head can run, so blocked Node workers (BZPOPMIN) wake up.
  -- A locked group is re-queued by whoever completes its job; an unlocked one keeps its fair place.
  -- (Cheapest test first: most adds go to a group that is already queued or running.)
  if redis.call("LLEN", P .. "g:" .. gid .. ":active") == 0 and not redis.call("ZSCORE", P .. "ready", gid) then
    local head = redis.call("ZRANGE", P .. "g:" .. gid, 0, 0, "WITHSCORES")
    if status == "waiting" or head[1] ~= id then
      redis.call("ZADD", P .. "ready", tonumber(head[2]), gid)
    end
  end
  return 1
end

-- The least-loaded of a tenant's slot groups "<tenant>:0" .. "<tenant>:<limit-1>" (waiting + running).
local function pick_slot(tenant, limit)
  local best, best_load = nil, nil
  for k = 0, limit - 1 do
    local gid = tenant .. ":" .. k
    local load = redis.call("ZCARD", P .. "g:" .. gid) + redis.call("LLEN", P .. "g:" .. gid .. ":active")
    if best_load == nil or load < best_load then
      best, best_load = gid, load
      if load == 0 then
        break
      end
    end
  end
  return best
end
