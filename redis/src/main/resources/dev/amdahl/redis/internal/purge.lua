-- Removes the messages of one queue that wait for delivery (delayed ones included), not those delivered
-- and unacknowledged. KEYS: delayed zset, dead-letter stream, streams. ARGV: group. Returns how many.
local n = redis.call('ZCARD', KEYS[1])
redis.call('DEL', KEYS[1])
for k = 3, #KEYS do
  local last = nil
  local groups = redis.pcall('XINFO', 'GROUPS', KEYS[k])
  if type(groups) == 'table' and not groups.err then
    for _, g in ipairs(groups) do
      if field(g, 'name') == ARGV[1] then last = field(g, 'last-delivered-id') end
    end
  end
  if last == nil then
    -- no consumer ever read this stream: everything in it is waiting
    n = n + redis.call('XLEN', KEYS[k])
    redis.call('DEL', KEYS[k])
  else
    while true do
      local batch = redis.call('XRANGE', KEYS[k], '(' .. last, '+', 'COUNT', 1000)
      if #batch == 0 then break end
      local ids = {}
      for i, e in ipairs(batch) do ids[i] = e[1] end
      redis.call('XDEL', KEYS[k], unpack(ids))
      n = n + #ids
    end
  end
end
return n
