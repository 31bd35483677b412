-- Shared helpers, prepended to every script (see Scripts.java), after the line that names PUBLISH: the command that
-- announces records, PUBLISH, or SPUBLISH for the shard channels of a Redis Cluster.
-- Stream entry fields: id (message id), body (opaque bytes), prio (0-9), prior (deliveries before a requeue).

local function field(fields, name)
  for j = 1, #fields, 2 do
    if fields[j] == name then return fields[j + 1] end
  end
  return nil
end

local function levelOf(prio, levels)
  return math.floor(prio * levels / 10)
end

-- Moves an entry to the dead-letter stream and out of its stream, with the reason.
local function deadLetter(stream, dead, group, eid, fields, reason, now, deliveries)
  redis.call('XADD', dead, '*', 'id', field(fields, 'id') or '', 'body', field(fields, 'body') or '',
    'reason', reason, 'at', tostring(now), 'deliveries', tostring(deliveries))
  redis.call('XACK', stream, group, eid)
  redis.call('XDEL', stream, eid)
end

-- Moves due delayed messages of one queue into its streams; returns the earliest score still waiting, or -1.
-- A delayed member is: a 16-byte unique token, one priority digit, the id length in decimal, ':', the id, the body.
-- Being a script, this runs alone: two pollers can never both move one member.
local function moveDue(delayed, dead, streamOf, now, limit)
  local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, limit)
  for _, m in ipairs(due) do
    local colon = string.find(m, ':', 18, true)
    local prio = tonumber(string.sub(m, 17, 17))
    local idlen = colon and tonumber(string.sub(m, 18, colon - 1))
    if prio and idlen and #m >= colon + idlen then
      redis.call('XADD', streamOf(prio), '*', 'id', string.sub(m, colon + 1, colon + idlen),
        'body', string.sub(m, colon + idlen + 1), 'prio', tostring(prio))
    else
      redis.call('XADD', dead, '*', 'id', '', 'body', m, 'reason', 'malformed delayed entry', 'at', tostring(now),
        'deliveries', '0')
    end
    redis.call('ZREM', delayed, m)
  end
  local first = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
  if first[2] then return tonumber(first[2]) end
  return -1
end

-- A stored record is its state's name, a space, then the record's bytes (RecordValue.java). The store scripts are
-- told each record's kind by the client ('F' final, 'V' revoked, which is final too, 'U' not final) and read a
-- stored state only from that prefix, when a task already has a record; they never look inside a record. FINAL
-- must match TaskState.isReady(); the kit's storeUnlessFinalKeepsExactlyTheFinalStates checks every state.
local FINAL = {SUCCESS = true, FAILURE = true, REVOKED = true}

local function stateOf(value)
  return value and string.match(value, '^(%u+) ')
end

