-- Adds to a counter atomically and keeps it alive as long as results. KEYS: counter. ARGV: delta, ttl (ms).
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v
