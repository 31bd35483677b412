-- Takes the dead letters of one message id out of the dead-letter stream: drops them, or, given a second key,
-- appends each to that stream as a new message (its delivery count starting again), in the same script, so a dead
-- letter is moved once however many callers ask at once.
-- KEYS: dead-letter stream[, stream to requeue to]. ARGV: message id. Returns how many were taken.
local n = 0
local from = '-'
while true do
  local batch = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 1000)
  if #batch == 0 then break end
  for _, e in ipairs(batch) do
    local f = e[2]
    if field(f, 'id') == ARGV[1] then
      if KEYS[2] then
        redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'body', field(f, 'body') or '', 'prio', '0')
      end
      redis.call('XDEL', KEYS[1], e[1])
      n = n + 1
    end
  end
  from = '(' .. batch[#batch][1]
end
return n
