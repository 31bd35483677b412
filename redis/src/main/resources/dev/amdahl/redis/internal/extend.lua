-- Renews the lease on a delivered entry: resets its idle time without counting a delivery (JUSTID),
-- but only while this consumer still owns it, so a consumer whose lease already ran out cannot take
-- an entry back from the consumer it was handed to.
-- KEYS: stream. ARGV: group, consumer, entry id. Returns 1, or 0 when the lease was lost.
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not p[1] or p[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
