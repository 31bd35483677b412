-- Publishes a batch to one queue in one round trip.
-- KEYS: delayed zset, then the queue's streams from the highest level to the lowest.
-- ARGV: levels, then four per message: 'n', id, prio, body (ready now) or 'd', score, member, '' (delayed).
local levels = tonumber(ARGV[1])
for i = 2, #ARGV, 4 do
  if ARGV[i] == 'n' then
    local prio = tonumber(ARGV[i + 2])
    redis.call('XADD', KEYS[2 + (levels - 1 - levelOf(prio, levels))], '*', 'id', ARGV[i + 1], 'body', ARGV[i + 3],
      'prio', ARGV[i + 2])
  else
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i + 2])
  end
end
return (#ARGV - 1) / 4
