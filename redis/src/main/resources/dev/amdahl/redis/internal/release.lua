-- On close: requeues everything this consumer still holds and removes the consumer from the group,
-- so another consumer gets the entries at once instead of after the visibility timeout.
-- KEYS: streams. ARGV: group, consumer. Returns how many entries were requeued.
local n = 0
for _, stream in ipairs(KEYS) do
  local pending = redis.pcall('XPENDING', stream, ARGV[1], '-', '+', 1000, ARGV[2])
  if type(pending) == 'table' and not pending.err then
    for _, p in ipairs(pending) do
      local eid, count = p[1], tonumber(p[4])
      local e = redis.call('XRANGE', stream, eid, eid)
      redis.call('XACK', stream, ARGV[1], eid)
      if e[1] then
        local f = e[1][2]
        local prior = (tonumber(field(f, 'prior') or '0') or 0) + count
        redis.call('XADD', stream, '*', 'id', field(f, 'id') or '', 'body', field(f, 'body') or '',
          'prio', field(f, 'prio') or '0', 'prior', tostring(prior))
        redis.call('XDEL', stream, eid)
        n = n + 1
      end
    end
    if #pending < 1000 then
      redis.pcall('XGROUP', 'DELCONSUMER', stream, ARGV[1], ARGV[2])
    end
  end
end
return n
