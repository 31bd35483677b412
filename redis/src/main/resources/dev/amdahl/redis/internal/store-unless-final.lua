-- As store.lua, except that a task whose stored record is final (SUCCESS, FAILURE, REVOKED) keeps it: final
-- states do not move. Check and store happen in one script, so a revocation and an outcome cannot overwrite
-- each other. Most tasks have no record yet (STARTED is off by default): SET NX stores those without a read;
-- only a task that has one is read, and the check looks at the state prefix of the stored value (stateOf), not
-- the record. The client's batch notices announce every record; when one is kept, the stored ones are announced
-- one by one instead. The loop is storeUnlessFinal (store-common.lua), which store-unless-final-ack.lua shares.
-- KEYS and ARGV as in store.lua. Returns, for each record kept, its result key's position among the result keys
-- (1-based) and the value it kept.
return storeUnlessFinal(#KEYS)
