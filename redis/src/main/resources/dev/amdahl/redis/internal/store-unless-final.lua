-- As store.lua, except that a task whose stored record is final (SUCCESS, FAILURE, REVOKED) keeps it: final
-- states do not move. Check and store happen in one script, so a revocation and an outcome cannot overwrite
-- each other. The state is found as the literal "state":"X" that the record codec writes; inside a JSON
-- string quotes are escaped, so no text within a record can look like it.
-- KEYS: result keys. ARGV: ttl (ms), ready channel, update channel, then per key: record bytes, notice
-- prefixed by its channel byte ('F' final, 'U' update).
-- Returns, for each record kept, its key's position (1-based) and the record it kept.
local kept = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current and (string.find(current, '"state":"SUCCESS"', 1, true) or string.find(current, '"state":"FAILURE"', 1, true)
      or string.find(current, '"state":"REVOKED"', 1, true)) then
    kept[#kept + 1] = i
    kept[#kept + 1] = current
  else
    redis.call('SET', key, ARGV[2 + 2 * i], 'PX', ARGV[1])
    local notice = ARGV[3 + 2 * i]
    local channel = string.sub(notice, 1, 1) == 'F' and ARGV[2] or ARGV[3]
    redis.call('PUBLISH', channel, string.sub(notice, 2))
  end
end
return kept
