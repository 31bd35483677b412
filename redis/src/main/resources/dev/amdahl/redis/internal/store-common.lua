-- Helpers of store.lua and store-unless-final.lua, prepended to them after common.lua (see Scripts.java).

-- Store script arguments, shared by store.lua and store-unless-final.lua.
-- KEYS: the revocation log, then the result keys.
-- ARGV: ttl (ms), ready channel, update channel, now (ms), the batch notice of the final records, that of the
-- others ('' when there are none), then three per result key: the value (state, space, record bytes), its kind
-- ('F', 'V' or 'U'), and its own notice ('' for 'R' and the value itself, or 'I' and the task id, for records too
-- big to travel in a notice). A batch notice is 'B' and each record's own notice, each after its length in four
-- bytes (RedisResultBackend.batchNotice): one PUBLISH announces a whole batch. Final records go on the ready
-- channel (whenReady), the others on the update channel (onUpdate: progress, retries).
local TTL, READY, UPDATE, NOW = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

-- A revocation also goes into the revocation log (a sorted set of result keys by time, kept as long as results
-- are), which workers replay when their feed (re)connects.
local function logRevocation(key)
  local log = KEYS[1]
  redis.call('ZADD', log, NOW, key)
  redis.call('ZREMRANGEBYSCORE', log, '-inf', '(' .. (tonumber(NOW) - tonumber(TTL)))
  redis.call('ZREMRANGEBYRANK', log, 0, -100001)
  redis.call('PEXPIRE', log, TTL)
end

-- Announces the records at positions i (as in KEYS) in one batch notice per channel; stored is nil for all of
-- them (the client's batch notices, built ahead), or the list of positions stored, each announced on its own.
-- Runs after the SETs, so a subscriber that reads the key on a notice finds the record.
local function announce(stored)
  if not stored then
    if ARGV[5] ~= '' then redis.call(PUBLISH, READY, ARGV[5]) end
    if ARGV[6] ~= '' then redis.call(PUBLISH, UPDATE, ARGV[6]) end
    return
  end
  for _, i in ipairs(stored) do
    local notice = ARGV[3 * i + 3]
    if notice == '' then notice = 'R' .. ARGV[3 * i + 1] end
    redis.call(PUBLISH, ARGV[3 * i + 2] == 'U' and UPDATE or READY, notice)
  end
end
