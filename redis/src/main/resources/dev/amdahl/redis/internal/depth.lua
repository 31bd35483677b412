-- Counts the messages of one queue ready now (entries not yet delivered), after moving due delayed ones.
-- KEYS: delayed zset, dead-letter stream, streams from the highest level to the lowest.
-- ARGV: group, now (ms), levels.
local levels = tonumber(ARGV[3])
moveDue(KEYS[1], KEYS[2], function(prio) return KEYS[3 + (levels - 1 - levelOf(prio, levels))] end,
  tonumber(ARGV[2]), 10000)
local n = 0
for k = 3, #KEYS do
  local len = redis.call('XLEN', KEYS[k])
  local summary = redis.pcall('XPENDING', KEYS[k], ARGV[1])
  local pending = 0
  if type(summary) == 'table' and not summary.err then pending = tonumber(summary[1]) or 0 end
  if len > pending then n = n + len - pending end
end
return n
