-- Adds to a counter atomically; a counter this creates expires after the given time, later changes do not
-- extend it (rate-limit windows). KEYS: counter. ARGV: delta, ttl (ms).
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v
