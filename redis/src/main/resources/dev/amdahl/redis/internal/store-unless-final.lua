-- As store.lua, except that a task whose stored record is final (SUCCESS, FAILURE, REVOKED) keeps it: final
-- states do not move. Check and store happen in one script, so a revocation and an outcome cannot overwrite
-- each other. The check reads the state prefix of the stored value (stateOf), not the record.
-- KEYS and ARGV as in store.lua.
-- Returns, for each record kept, its result key's position among the result keys (1-based) and the value it kept.
local kept = {}
for i = 2, #KEYS do
  local key = KEYS[i]
  local current = redis.call('GET', key)
  if current and FINAL[stateOf(current)] then
    kept[#kept + 1] = i - 1
    kept[#kept + 1] = current
  else
    storeAndAnnounce(KEYS[1], key, ARGV[2 * i + 1], ARGV[2 * i + 2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
  end
end
return kept
