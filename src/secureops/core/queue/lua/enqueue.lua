-- ARGV: stream, maxlen, then per job 10 fields:
--   gid, data, maxAttempts, orderMs ("" = now), delayUntil (ms, 0 = none), id, clientTs, backoff, tenant, topic
-- A gid of "@<limit>" picks the least-loaded slot group of the job's tenant (tier concurrency).
-- Returns per job: {added (1/0), gid}.
local stream, maxlen = ARGV[1], ARGV[2]
local now = now_ms()
local out = {}
for i = 3, #ARGV, 10 do
  local gid = ARGV[i]
  local tenant = ARGV[i + 8]
  if string.sub(gid, 1, 1) == "@" then
    gid = pick_slot(tenant, tonumber(string.sub(gid, 2)))
  end
  local id = ARGV[i + 5]
  local added = enqueue(gid, ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), id,
    ARGV[i + 6], ARGV[i + 7], tenant, now)
  if added == 1 and ARGV[i + 9] ~= "" then
    emit(stream, maxlen, ARGV[i + 9], id, gid, tenant, "")
  end
  table.insert(out, added)
  table.insert(out, gid)
end
return out
