-- Removes a worker's heartbeat and its entry in the workers set. KEYS: heartbeat key, workers set. ARGV: worker name.
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
