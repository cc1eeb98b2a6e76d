-- ARGV: id, lease, message, name, stack, backoffMs, retry (1/0), keepFailed, stream, maxlen, failedTopic
-- One atomic step (GroupMQ 1.1.0 needs two calls): count the attempt against the JOB's maxAttempts
-- (maxAttempts = how many times it may run), then retry at the head of its group (after backoffMs, in
-- milliseconds) or dead-letter it. Returns {"retry"|"dead"|"lost", attempts, runAt}.
local id, lease = ARGV[1], ARGV[2]
local backoff, may_retry, keep = tonumber(ARGV[6]), ARGV[7] == "1", tonumber(ARGV[8])
local now = now_ms()
local jkey = P .. "job:" .. id
local h = redis.call("HMGET", jkey, "status", "lease", "groupId", "maxAttempts", "score", "tenantId")
if h[1] ~= "processing" or h[2] ~= lease or not redis.call("ZSCORE", P .. "processing", id) then
  return {"lost", 0, 0}
end
local gid = h[3]
unlock(id, gid)
local attempts = redis.call("HINCRBY", jkey, "attempts", 1)
redis.call("HSET", jkey, "lastErrorMessage", ARGV[3], "lastErrorName", ARGV[4], "lastErrorStack", ARGV[5],
  "finishedOn", string.format("%d", now))
if may_retry and attempts < (tonumber(h[4]) or 1) then
  redis.call("ZADD", P .. "g:" .. gid, tonumber(h[5]), id)
  redis.call("SADD", P .. "groups", gid)
  local run_at = 0
  if backoff > 0 then
    run_at = now + backoff
    redis.call("ZADD", P .. "delayed", run_at, id)
    redis.call("HSET", jkey, "status", "delayed", "runAt", string.format("%d", run_at))
  else
    redis.call("HSET", jkey, "status", "waiting")
  end
  group_settle(gid, fair_score(now))
  return {"retry", attempts, run_at}
end
bury(id, jkey, now, ARGV[3], ARGV[4], ARGV[5], keep)
group_settle(gid, fair_score(now))
if ARGV[11] ~= "" then
  emit(ARGV[9], ARGV[10], ARGV[11], id, gid, h[6], ARGV[3])
end
return {"dead", attempts, 0}
