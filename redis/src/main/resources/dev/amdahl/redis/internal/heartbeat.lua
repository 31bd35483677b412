-- Puts a worker's heartbeat with its time to live, and indexes the worker in the workers set by when its heartbeat
-- expires. The set expires with its last member's heartbeat, so nothing outlives the workers (Keys.workers()).
-- KEYS: heartbeat key, workers set. ARGV: worker name, heartbeat bytes, ttl (ms).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], tonumber(last[2]))
return 1
