-- Stores task records with a TTL and announces the final ones on the ready channel, in one round trip.
-- KEYS: result keys. ARGV: ttl (ms), channel, then two per key: record bytes, notice ('' = not final).
-- The SET comes before the PUBLISH, so a subscriber that reads the key on a notice finds the record.
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1 + 2 * i], 'PX', ARGV[1])
  local notice = ARGV[2 + 2 * i]
  if notice ~= '' then redis.call('PUBLISH', ARGV[2], notice) end
end
return #KEYS
