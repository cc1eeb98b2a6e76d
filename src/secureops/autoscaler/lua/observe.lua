#!lua flags=no-writes
-- The autoscaler's view of a scan queue in one read-only call: per tenant, jobs waiting (startable once a
-- slot is free; delayed jobs excluded), jobs running, slot groups in use, and the limit `submit_scan` recorded.
-- KEYS[1] = "groupmq:<prefix>scans", KEYS[2] = "secureops:<prefix>tenant-limits".
-- Returns a flat array: tenant, waiting, running, groups, limit (-1 when none was recorded), ...
local P = KEYS[1] .. ":"
local delayed_by_group = {}
for _, id in ipairs(redis.call("ZRANGE", P .. "delayed", 0, 9999)) do
  local gid = redis.call("HGET", P .. "job:" .. id, "groupId")
  if gid then
    delayed_by_group[gid] = (delayed_by_group[gid] or 0) + 1
  end
end
local tenants, order = {}, {}
for _, gid in ipairs(redis.call("SMEMBERS", P .. "groups")) do
  local n = redis.call("ZCARD", P .. "g:" .. gid)
  local active = redis.call("LLEN", P .. "g:" .. gid .. ":active")
  if n > 0 or active > 0 then
    -- a slot group "<tenant>:<k>" belongs to <tenant>; any other group id is its own tenant
    local tenant = string.match(gid, "^(.*):%d+$") or gid
    local t = tenants[tenant]
    if not t then
      t = {0, 0, 0}
      tenants[tenant] = t
      table.insert(order, tenant)
    end
    t[1] = t[1] + n - (delayed_by_group[gid] or 0)
    t[2] = t[2] + active
    t[3] = t[3] + 1
  end
end
local out = {}
for _, tenant in ipairs(order) do
  local t = tenants[tenant]
  local limit = redis.call("HGET", KEYS[2], tenant)
  table.insert(out, tenant)
  table.insert(out, t[1])
  table.insert(out, t[2])
  table.insert(out, t[3])
  table.insert(out, tonumber(limit) or -1)
end
return out
