-- Stores task records with a TTL and announces each one in the same round trip: final records on the
-- ready channel (whenReady), the others on the update channel (onUpdate: progress, retries).
-- KEYS: the revocation log, then the result keys. ARGV: ttl (ms), ready channel, update channel, now (ms), then
-- two per result key: the record bytes, and the notice prefixed by one byte naming its kind: 'F' (final),
-- 'R' (final and REVOKED: also logged) or 'U' (update); the prefix is not published.
-- The SET comes before the PUBLISH, so a subscriber that reads the key on a notice finds the record.
for i = 2, #KEYS do
  local key, record, notice = KEYS[i], ARGV[2 * i + 1], ARGV[2 * i + 2]
  redis.call('SET', key, record, 'PX', ARGV[1])
  announce(KEYS[1], key, notice, ARGV[1], ARGV[2], ARGV[3], ARGV[4])
end
return #KEYS - 1
