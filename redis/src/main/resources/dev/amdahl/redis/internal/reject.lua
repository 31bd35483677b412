-- Moves a delivered entry to the dead-letter stream with the reason.
-- KEYS: stream, dead-letter stream. ARGV: group, entry id, reason, now (ms), deliveries.
-- Returns 1, or 0 when it was no longer pending.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if not pending[1] then return 0 end
local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
local fields = e[1] and e[1][2] or {}
deadLetter(KEYS[1], KEYS[2], ARGV[1], ARGV[2], fields, ARGV[3], ARGV[4], ARGV[5])
return 1
