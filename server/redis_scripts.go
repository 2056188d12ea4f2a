package server

import "github.com/redis/go-redis/v9"

// The Lua scripts that make each shared-membership decision one atomic step
// in Redis. Every key of roomcast carries the hash tag {roomcast}, so a
// script's keys share one slot, as Redis Cluster requires.
//
// A room's members hash maps each peer id to "<node>|<flags>", flags "s"
// while it shares its screen. Each node keeps the set of its rooms, so that
// the members of a node that died can be found and removed.

// admitScript adds a peer to a room unless the room is full (or, for
// create, not empty), and returns "ok" and the other members as id, value
// pairs; or "full" or "taken".
//
//	KEYS: members hash, the node's rooms set, the peers hash
//	ARGV: peer, node, limit, ifEmpty ("1" or "0"), room key
var admitScript = redis.NewScript(`
local present = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if not present then
  local n = redis.call('HLEN', KEYS[1])
  if ARGV[4] == '1' and n > 0 then return {'taken'} end
  if n >= tonumber(ARGV[3]) then return {'full'} end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|')
  redis.call('SADD', KEYS[2], ARGV[5])
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
end
local out = {'ok'}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i] ~= ARGV[1] then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
return out
`)

// departScript takes a peer out of a room, and the room out of the node's
// set when no member of the node is left in it.
//
//	KEYS: members hash, the node's rooms set
//	ARGV: peer, node, room key
var departScript = redis.NewScript(`
redis.call('HDEL', KEYS[1], ARGV[1])
local prefix = ARGV[2] .. '|'
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  if string.sub(v, 1, #prefix) == prefix then return 1 end
end
redis.call('SREM', KEYS[2], ARGV[3])
return 0
`)

// screenScript records a member's screen flag, if it is still a member.
//
//	KEYS: members hash
//	ARGV: peer, node, flags
var screenScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
end
return 0
`)

// claimScript gives a raw name to a peer unless another holds it; names map
// to "<peer>|<node>".
//
//	KEYS: names hash
//	ARGV: name, peer, node
var claimScript = redis.NewScript(`
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder and string.match(holder, '^[^|]*') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
return 1
`)

// releaseScript frees a raw name if the peer still holds it.
//
//	KEYS: names hash
//	ARGV: name, peer
var releaseScript = redis.NewScript(`
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder and string.match(holder, '^[^|]*') == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`)

// sendToScript publishes a relayed packet to the node of peer to, if to is
// a member of one of the sender's rooms: the check and the delivery in one
// step, so that a peer that just left is never sent to.
//
//	KEYS: the members hashes of the sender's rooms
//	ARGV: to, node channel prefix, message
var sendToScript = redis.NewScript(`
for _, k in ipairs(KEYS) do
  local v = redis.call('HGET', k, ARGV[1])
  if v then
    redis.call('PUBLISH', ARGV[2] .. string.match(v, '^[^|]*'), ARGV[3])
    return 1
  end
end
return 0
`)

// reapScript removes every membership and name of a node that died (its
// alive key expired), and returns what it removed as room key, peer pairs.
// A node that came back is left alone; two nodes reaping at once remove it
// once.
//
//	KEYS: the dead node's rooms set, the nodes set, its alive key, the peers hash
//	ARGV: the dead node, members key prefix, names key prefix
var reapScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then return {} end
local out = {}
local prefix = ARGV[1] .. '|'
for _, rk in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local mk = ARGV[2] .. rk
  local all = redis.call('HGETALL', mk)
  for i = 1, #all, 2 do
    if string.sub(all[i + 1], 1, #prefix) == prefix then
      redis.call('HDEL', mk, all[i])
      redis.call('HDEL', KEYS[4], all[i])
      out[#out + 1] = rk
      out[#out + 1] = all[i]
    end
  end
  local nk = ARGV[3] .. rk
  local names = redis.call('HGETALL', nk)
  for i = 1, #names, 2 do
    if string.match(names[i + 1], '|(.*)$') == ARGV[1] then redis.call('HDEL', nk, names[i]) end
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return out
`)

// moveScript hands a peer's memberships from one node to another, for a
// recoverable client that reconnected there: the same rooms, the same
// flags, another node.
//
//	KEYS: the peers hash, the new node's rooms set
//	ARGV: peer, new node, members key prefix, then the room keys
var moveScript = redis.NewScript(`
for i = 4, #ARGV do
  local mk = ARGV[3] .. ARGV[i]
  local v = redis.call('HGET', mk, ARGV[1])
  if v then
    redis.call('HSET', mk, ARGV[1], ARGV[2] .. '|' .. (string.match(v, '|(.*)$') or ''))
    redis.call('SADD', KEYS[2], ARGV[i])
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)
