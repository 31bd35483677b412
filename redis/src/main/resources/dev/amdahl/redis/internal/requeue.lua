-- Puts a delivered entry back at the tail of its stream as a new entry that remembers its deliveries.
-- KEYS: stream. ARGV: group, entry id, deliveries so far. Returns 1, or 0 when it was no longer pending.
local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if e[1] then
  local f = e[1][2]
  redis.call('XADD', KEYS[1], '*', 'id', field(f, 'id') or '', 'body', field(f, 'body') or '',
    'prio', field(f, 'prio') or '0', 'prior', ARGV[3])
  redis.call('XDEL', KEYS[1], ARGV[2])
end
return 1
