-- store-unless-final.lua, then the acknowledgement of the deliveries settled with those records (AckingStore: a worker
-- whose broker is this Redis settles a batch in one round trip, not a store and then an ack). XACK and XDEL come after
-- every SET, and an error ends a script where it stands, so no entry is acknowledged unless its record is stored.
-- KEYS: as in store.lua, then the streams of the entries. ARGV: as in store.lua, then the consumer group, then for each
-- stream in KEYS' order its number of entry ids and the ids; last, the number of streams. Returns what
-- store-unless-final.lua returns.
local last = #KEYS - tonumber(ARGV[#ARGV])
local kept = storeUnlessFinal(last)
local group, at = ARGV[3 * last + 4], 3 * last + 5
for s = last + 1, #KEYS do
  local n = tonumber(ARGV[at])
  redis.call('XACK', KEYS[s], group, unpack(ARGV, at + 1, at + n))
  redis.call('XDEL', KEYS[s], unpack(ARGV, at + 1, at + n))
  at = at + 1 + n
end
return kept
