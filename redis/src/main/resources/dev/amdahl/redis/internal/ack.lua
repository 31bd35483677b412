-- Acknowledges entries of one stream and deletes them (acknowledged entries are never read again).
-- KEYS: stream. ARGV: group, entry ids. Returns how many were still pending.
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
return acked
