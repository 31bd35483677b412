-- Takes up to max messages for one consumer from several queues, in one atomic step:
--   1. due delayed messages are moved into their streams;
--   2. if asked (rate-limited by the client), entries idle longer than the visibility timeout are
--      claimed for this consumer;
--   3. new entries are read, highest priority level first, each queue getting a fair share first.
-- An entry delivered max deliveries times, counting the deliveries before it was requeued or released (its
-- 'prior' field), is handed out once more (exhausted, to be reported); one that would be delivered after that
-- is dead-lettered instead, whichever way it came: a requeued
-- entry is new to the stream and is read in step 3, not reclaimed, so checking only in step 2 would let a
-- message that is requeued every time loop for ever.
-- KEYS, per queue: delayed zset, dead-letter stream, then its streams from the highest level to the lowest.
-- ARGV: group, consumer, max, now (ms), levels, reclaim (0/1), visibility (ms), max deliveries, quota per
--       queue, move limit, consumer sweep idle (ms, 0 = no sweep).
-- Returns {next due score or -1, {{queue index, level offset, entry id, id, body, prio, delivery count}...}}.
local group, consumer = ARGV[1], ARGV[2]
local max, now, levels = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local reclaim, vis, maxDeliveries = ARGV[6] == '1', tonumber(ARGV[7]), tonumber(ARGV[8])
local quota, moveLimit, sweepIdle = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local per = levels + 2
local nq = #KEYS / per
local out = {}
local nextDue = -1

for q = 0, nq - 1 do
  local base = q * per
  local due = moveDue(KEYS[base + 1], KEYS[base + 2],
    function(prio) return KEYS[base + 3 + (levels - 1 - levelOf(prio, levels))] end, now, moveLimit)
  if due >= 0 and (nextDue < 0 or due < nextDue) then nextDue = due end
end

local function emit(q, k, stream, eid, fields, deliveries)
  local id, body = field(fields, 'id'), field(fields, 'body')
  if not id or not body then
    deadLetter(stream, KEYS[q * per + 2], group, eid, fields, 'malformed stream entry: no id or body field', now,
      deliveries)
    return
  end
  -- delivery maxDeliveries + 1 is the exhausted one, handed out to be reported (RedisBroker marks it); past that,
  -- nobody reported it: dead-letter it as it is
  if deliveries > maxDeliveries + 1 then
    deadLetter(stream, KEYS[q * per + 2], group, eid, fields, 'delivered ' .. maxDeliveries
      .. ' times without an acknowledgement (max-deliveries=' .. maxDeliveries
      .. '), then once more to be reported, and given back again: its consumers gave it back, died or ran past'
      .. ' the visibility timeout without extending their lease', now, deliveries - 1)
    return
  end
  out[#out + 1] = {q, k, eid, id, body, field(fields, 'prio') or '0', deliveries}
end

if reclaim then
  for q = 0, nq - 1 do
    for k = 0, levels - 1 do
      if #out >= max then break end
      local stream = KEYS[q * per + 3 + k]
      local pending = redis.pcall('XPENDING', stream, group, 'IDLE', vis, '-', '+', max - #out)
      if type(pending) == 'table' and not pending.err then
        for _, p in ipairs(pending) do
          local eid, count = p[1], tonumber(p[4])
          local claimed = redis.call('XCLAIM', stream, group, consumer, vis, eid)
          local entry = claimed[1]
          if type(entry) == 'table' and type(entry[2]) == 'table' then
            local fields = entry[2]
            emit(q, k, stream, eid, fields, (tonumber(field(fields, 'prior') or '0') or 0) + count + 1)
          else
            -- the entry is gone from the stream (trimmed by hand); forget it
            redis.call('XACK', stream, group, eid)
          end
        end
      end
      if sweepIdle > 0 then
        -- consumers of processes that died hold nothing once their entries were claimed: forget them
        local consumers = redis.pcall('XINFO', 'CONSUMERS', stream, group)
        if type(consumers) == 'table' and not consumers.err then
          for _, c in ipairs(consumers) do
            local name, pendingCount, idle = field(c, 'name'), tonumber(field(c, 'pending')), tonumber(field(c, 'idle'))
            if name and name ~= consumer and pendingCount == 0 and idle and idle > sweepIdle then
              redis.call('XGROUP', 'DELCONSUMER', stream, group, name)
            end
          end
        end
      end
    end
  end
end

local function readFrom(q, limit)
  local got = 0
  for k = 0, levels - 1 do
    if got >= limit then break end
    local stream = KEYS[q * per + 3 + k]
    local r = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', limit - got, 'STREAMS', stream, '>')
    if type(r) == 'table' and r.err then
      if string.find(r.err, 'NOGROUP', 1, true) then
        -- first use of this queue, or Redis lost the group: start from the beginning so nothing is skipped
        redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
        r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', limit - got, 'STREAMS', stream, '>')
      else
        return redis.error_reply(r.err)
      end
    end
    if type(r) == 'table' and r[1] then
      for _, e in ipairs(r[1][2]) do
        local fields = e[2]
        emit(q, k, stream, e[1], fields, (tonumber(field(fields, 'prior') or '0') or 0) + 1)
        got = got + 1
      end
    end
  end
  return got
end

if #out < max then
  for q = 0, nq - 1 do
    if #out >= max then break end
    readFrom(q, math.min(quota, max - #out))
  end
  for q = 0, nq - 1 do
    if #out >= max then break end
    readFrom(q, max - #out)
  end
end

return {nextDue, out}
