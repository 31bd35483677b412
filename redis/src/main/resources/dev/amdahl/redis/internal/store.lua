-- Stores task records (see storeAndAnnounce in common.lua), each announced in the same round trip.
-- KEYS: the revocation log, then the result keys. ARGV: ttl (ms), ready channel, update channel, now (ms), then
-- two per result key: the value (state, space, record bytes) and its notice ('R', or 'I' and the task id).
for i = 2, #KEYS do
  storeAndAnnounce(KEYS[1], KEYS[i], ARGV[2 * i + 1], ARGV[2 * i + 2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
end
return #KEYS - 1
