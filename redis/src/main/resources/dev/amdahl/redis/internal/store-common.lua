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

-- Stores the records of result keys KEYS[2..last] unless their task's record is final, as store-unless-final.lua
-- says, and announces them; returns what it kept (see there).
local function storeUnlessFinal(last)
  local kept, stored = {}, nil
  for i = 2, last do
    local key, value = KEYS[i], ARGV[3 * i + 1]
    if not redis.call('SET', key, value, 'NX', 'PX', TTL) then
      local current = redis.call('GET', key)
      if current and FINAL[stateOf(current)] then
        kept[#kept + 1] = i - 1
        kept[#kept + 1] = current
        if not stored then
          stored = {}
          for j = 2, i - 1 do stored[#stored + 1] = j end
        end
        value = nil
      else
        redis.call('SET', key, value, 'PX', TTL)
      end
    end
    if value then
      if stored then stored[#stored + 1] = i end
      if ARGV[3 * i + 2] == 'V' then logRevocation(key) end
    end
  end
  announce(stored)
  return kept
end
