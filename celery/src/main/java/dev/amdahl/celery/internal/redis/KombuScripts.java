package dev.amdahl.celery.internal.redis;

/**
 * The Lua scripts of {@link KombuRedisBroker}. Each keeps one of kombu's invariants atomically where kombu keeps it with
 * a pipeline or a WATCH transaction: a message is in its queue list, or in {@code unacked} with its tag in
 * {@code unacked_index}, never in both and never in neither (but for the one round trip between a blocking BRPOP and
 * its registration, which kombu has too).
 *
 * <p>A delivery is owned by the consumer whose delivery count it carries: {@code <count key>} goes up by one each
 * time a Java consumer is handed the message, so a consumer that lost its lease (the message was restored and taken
 * again under the same kombu tag) can no longer settle or extend it. A message taken by a Python worker does not count,
 * so a missing count key is no one's and anyone's.
 */
final class KombuScripts {

    private KombuScripts() {
    }

    /** The part that registers one taken entry; {@code e} the entry, {@code lk} its list key. */
    private static final String REGISTER_FN = """
            local function register(lk, e, out)
              local ok, m = pcall(cjson.decode, e)
              local tag, ex, rk = nil, '', ''
              if ok and type(m) == 'table' and type(m.properties) == 'table' then
                tag = m.properties.delivery_tag
                local di = m.properties.delivery_info
                if type(di) == 'table' then ex = di.exchange; rk = di.routing_key end
              end
              if type(ex) ~= 'string' then ex = '' end
              if type(rk) ~= 'string' then rk = '' end
              if type(tag) ~= 'string' or tag == '' then
                out[#out + 1] = lk; out[#out + 1] = e; out[#out + 1] = ''; out[#out + 1] = 0
                return
              end
              redis.call('ZADD', KEYS[2], now, tag)
              redis.call('HSET', KEYS[1], tag, '[' .. e .. ',' .. cjson.encode(ex) .. ',' .. cjson.encode(rk) .. ']')
              local c = redis.call('INCR', ARGV[2] .. tag)
              redis.call('EXPIRE', ARGV[2] .. tag, ARGV[3])
              out[#out + 1] = lk; out[#out + 1] = e; out[#out + 1] = tag; out[#out + 1] = c
            end
            """;

    /**
     * KEYS: unacked, unacked_index, then the lists in the order they are served. ARGV: max, count key prefix, count TTL
     * seconds, and optionally a list key and entry a BRPOP took, registered first. Returns a flat list of (list key,
     * entry, tag or '', count or 0): a tag of '' is an entry that is no kombu message, handed out unregistered.
     */
    static final String TAKE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
            """ + REGISTER_FN + """
            local max = tonumber(ARGV[1])
            local out = {}
            local n = 0
            if ARGV[5] then
              register(ARGV[4], ARGV[5], out)
              n = 1
            end
            for i = 3, #KEYS do
              while n < max do
                local e = redis.call('RPOP', KEYS[i])
                if not e then break end
                register(KEYS[i], e, out)
                n = n + 1
              end
              if n >= max then break end
            end
            return out
            """;

    /** The owner check: ARGV[1] the tag, ARGV[2] the delivery count the consumer holds; KEYS[3] the count key. */
    private static final String OWNED = """
            local c = redis.call('GET', KEYS[3])
            if c and c ~= ARGV[2] then return 0 end
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
            """;

    /** KEYS: unacked, unacked_index, count key. ARGV: tag, count. 1 when it was this consumer's to ack. */
    static final String ACK = OWNED + """
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('DEL', KEYS[3])
            return 1
            """;

    /** KEYS: unacked, unacked_index, count key, queue. ARGV: tag, count, entry. Back of the queue, as kombu's reject(requeue). */
    static final String REQUEUE = OWNED + """
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('LPUSH', KEYS[4], ARGV[3])
            return 1
            """;

    /**
     * KEYS: unacked, unacked_index, count key, dead letters. ARGV: tag ('' for an unregistered entry), count, dead letter
     * record, cap, TTL seconds.
     */
    static final String REJECT = """
            if ARGV[1] ~= '' then
            """ + OWNED + """
              redis.call('HDEL', KEYS[1], ARGV[1])
              redis.call('ZREM', KEYS[2], ARGV[1])
              redis.call('DEL', KEYS[3])
            end
            redis.call('RPUSH', KEYS[4], ARGV[3])
            redis.call('LTRIM', KEYS[4], -tonumber(ARGV[4]), -1)
            redis.call('EXPIRE', KEYS[4], ARGV[5])
            return 1
            """;

    /**
     * KEYS: dead letters, then the list to requeue to (none to drop). ARGV: the dead letter record as stored, the entry to
     * push. Removes that one record and, only if it was still there, pushes the entry: a letter moves once, whoever
     * else asks at the same time.
     */
    static final String TAKE_DEAD = """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
            if KEYS[2] then redis.call('LPUSH', KEYS[2], ARGV[2]) end
            return 1
            """;

    /** KEYS: unacked, unacked_index, count key. ARGV: tag, count, visibility timeout seconds, count TTL seconds. */
    static final String EXTEND = OWNED + """
            local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
            if not s then return 0 end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
            if now - tonumber(s) > tonumber(ARGV[3]) then return 0 end
            redis.call('ZADD', KEYS[2], now, ARGV[1])
            redis.call('EXPIRE', KEYS[3], ARGV[4])
            return 1
            """;

    /**
     * Hands out a message a consumer held until its ETA: one more delivery counted, the lease started now. KEYS:
     * unacked, unacked_index, count key. ARGV: tag, count TTL. The count, or 0 when the message is no longer held here.
     */
    static final String HAND_OUT = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
            local t = redis.call('TIME')
            redis.call('ZADD', KEYS[2], tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
            local c = redis.call('INCR', KEYS[3])
            redis.call('EXPIRE', KEYS[3], ARGV[2])
            return c
            """;

    /** KEYS: unacked_index. ARGV: tag. Keeps a held message's lease. */
    static final String TOUCH = """
            if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
            local t = redis.call('TIME')
            redis.call('ZADD', KEYS[1], tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
            return 1
            """;

    /**
     * kombu's restore_by_tag, as a compare-and-set on the entry read before: KEYS: unacked, unacked_index, queue. ARGV:
     * tag, the unacked value read, the entry to restore, '1' for the back of the queue (LPUSH) or '0' for its front.
     */
    static final String RESTORE = """
            if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            if ARGV[4] == '1' then redis.call('LPUSH', KEYS[3], ARGV[3]) else redis.call('RPUSH', KEYS[3], ARGV[3]) end
            return 1
            """;

    /** redis-py's Lock release: KEYS: the mutex. ARGV: its token. */
    static final String UNLOCK = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;
}
