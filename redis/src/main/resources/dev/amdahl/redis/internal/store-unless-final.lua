-- As store.lua, except that a task whose stored record is final (SUCCESS, FAILURE, REVOKED) keeps it: final
-- states do not move. Check and store happen in one script, so a revocation and an outcome cannot overwrite
-- each other. Most tasks have no record yet (STARTED is off by default): SET NX stores those without a read;
-- only a task that has one is read, and the check looks at the state prefix of the stored value (stateOf), not
-- the record. The client's batch notices announce every record; when one is kept, the stored ones are announced
-- one by one instead.
-- KEYS and ARGV as in store.lua. Returns, for each record kept, its result key's position among the result keys
-- (1-based) and the value it kept.
local kept, stored = {}, nil
for i = 2, #KEYS do
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
