-- Stores a value unless the key holds one; returns the value it holds, or false when this one was stored.
-- KEYS: the key. ARGV: value, ttl (ms).
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
return redis.call('GET', KEYS[1])
