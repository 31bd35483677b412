-- Stores task records with a TTL and announces each one in the same round trip: final records on the
-- ready channel (whenReady), the others on the update channel (onUpdate: progress, retries).
-- KEYS: result keys. ARGV: ttl (ms), ready channel, update channel, then two per key: the record bytes,
-- and the notice prefixed by one byte naming its channel, 'F' (final: ready) or 'U' (update); the prefix
-- is not published.
-- The SET comes before the PUBLISH, so a subscriber that reads the key on a notice finds the record.
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[2 + 2 * i], 'PX', ARGV[1])
  local notice = ARGV[3 + 2 * i]
  local channel = string.sub(notice, 1, 1) == 'F' and ARGV[2] or ARGV[3]
  redis.call('PUBLISH', channel, string.sub(notice, 2))
end
return #KEYS
