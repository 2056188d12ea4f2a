package server

import (
	"context"
	"time"

	"github.com/roomcast/roomcast/rooms"
)

// A node's life in the shared state: it checks in, renews its alive key
// every heartbeat, reaps the nodes whose key expired, and after an outage
// puts its own part of the state back.

// checkIn registers the node and renews its alive key, and reports whether
// Redis answered; a failure only means Redis is away, which the heartbeat
// keeps trying.
func (b *redisBroker) checkIn() bool {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	pipe := b.rdb.TxPipeline()
	pipe.SAdd(ctx, nodesKey, b.node)
	pipe.Set(ctx, aliveKeyPrefix+b.node, "1", aliveTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		b.failed(err)
		return false
	}
	return true
}

// heartbeat renews the alive key and reaps dead nodes until the broker
// closes.
func (b *redisBroker) heartbeat() {
	defer b.done.Done()
	tick := time.NewTicker(heartbeatInterval)
	defer tick.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-tick.C:
		}
		answered := b.checkIn()
		// Back from an outage only once the subscription is too: until
		// then, packets of the other nodes would not reach this one.
		if answered && !b.up.Load() && b.sub.live.Load() {
			b.recovered()
		}
		if b.up.Load() {
			b.reapDead()
		}
	}
}

// reapDead reaps every node whose alive key has expired.
func (b *redisBroker) reapDead() {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	nodes, err := b.rdb.SMembers(ctx, nodesKey).Result()
	if err != nil {
		b.failed(err)
		return
	}
	for _, node := range nodes {
		if node == b.node {
			continue
		}
		if n, err := b.rdb.Exists(ctx, aliveKeyPrefix+node).Result(); err == nil && n == 0 {
			b.reap(ctx, node)
		}
	}
}

// reap removes a dead node's memberships and tells the rooms: one gone
// message per room of each of its peers. Only the node whose script
// removed them tells, so the rooms hear it once.
func (b *redisBroker) reap(ctx context.Context, node string) {
	v, err := reapScript.Run(ctx, b.rdb,
		[]string{nodeRoomsPrefix + node, nodesKey, aliveKeyPrefix + node, peersKey},
		node, membersKeyPrefix, namesKeyPrefix).Result()
	if err != nil {
		b.failed(err)
		return
	}
	pairs, _ := v.([]any)
	left := map[rooms.PeerID][]rooms.RoomKey{}
	var order []rooms.PeerID
	for i := 0; i+1 < len(pairs); i += 2 {
		rk, _ := pairs[i].(string)
		peer, _ := pairs[i+1].(string)
		key, ok := parseRoomKey(rk)
		if !ok {
			continue
		}
		id := rooms.PeerID(peer)
		if left[id] == nil {
			order = append(order, id)
		}
		left[id] = append(left[id], key)
	}
	if len(order) > 0 && node != b.node {
		b.log.Info("a node stopped answering: its members are gone", "dead_node", node, "members", len(order))
	}
	for _, id := range order {
		b.announceGone(id, left[id])
	}
}

// announceGone publishes that a dead node's peer left its rooms, one
// message per space.
func (b *redisBroker) announceGone(id rooms.PeerID, keys []rooms.RoomKey) {
	bySpace := map[rooms.Space][]string{}
	for _, k := range keys {
		bySpace[k.Space] = append(bySpace[k.Space], k.Name)
	}
	for space, scope := range bySpace {
		for i, name := range scope {
			msg := appendGoneMessage(nil, b.node, space, id, scope, i)
			b.enqueue(publish{channel: roomChannel(rooms.RoomKey{Space: space, Name: name}), sharded: true, payload: msg})
		}
	}
}

// recovered runs once Redis answers again after an outage and the node is
// subscribed again: the node puts its members, names and alive key back (a
// Redis that restarted empty has lost them), and only then is up: readiness
// says so, and new decisions rely on Redis again.
func (b *redisBroker) recovered() {
	b.outageMu.Lock()
	defer b.outageMu.Unlock()
	ctx, cancel := context.WithTimeout(b.ctx, 2*redisTimeout)
	defer cancel()
	b.mu.Lock()
	pipe := b.rdb.Pipeline()
	pipe.SAdd(ctx, nodesKey, b.node)
	pipe.Set(ctx, aliveKeyPrefix+b.node, "1", aliveTTL)
	for room, members := range b.mine {
		rk := roomKeyString(room)
		for id, flags := range members {
			pipe.HSet(ctx, membersKeyPrefix+rk, string(id), b.node+"|"+flags)
			pipe.HSet(ctx, peersKey, string(id), b.node)
		}
		pipe.SAdd(ctx, nodeRoomsPrefix+b.node, rk)
	}
	for room, names := range b.held {
		for name, id := range names {
			pipe.HSetNX(ctx, namesKeyPrefix+roomKeyString(room), name, string(id)+"|"+b.node)
		}
	}
	b.mu.Unlock()
	if _, err := pipe.Exec(ctx); err != nil {
		b.failed(err)
		return
	}
	b.up.Store(true)
	if b.outageLogged.Swap(false) {
		b.log.Info("redis reachable again: this node's members are shared again")
	}
}
