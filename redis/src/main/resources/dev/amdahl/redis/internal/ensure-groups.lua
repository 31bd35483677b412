-- Creates the consumer group on each stream that lacks it (from the start, so nothing is skipped).
-- KEYS: streams. ARGV: group.
for _, stream in ipairs(KEYS) do
  redis.pcall('XGROUP', 'CREATE', stream, ARGV[1], '0', 'MKSTREAM')
end
return #KEYS
