-- Stores task records with the result TTL and announces them in the same round trip: one SET per record, one
-- PUBLISH per channel (see store-common.lua for KEYS and ARGV).
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[3 * i + 1], 'PX', TTL)
  if ARGV[3 * i + 2] == 'V' then logRevocation(KEYS[i]) end
end
announce(nil)
return #KEYS - 1
