package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/roomcast/roomcast/rooms"
)

// Timing of the nodes' shared state in Redis.
const (
	// heartbeatInterval is how often a node renews its alive key and
	// checks the other nodes'; aliveTTL is how long the key outlives a node
	// that stops: a node that died is reaped, and its members announced as
	// gone, within about aliveTTL + heartbeatInterval.
	heartbeatInterval = time.Second
	aliveTTL          = 3 * time.Second
	// redisTimeout bounds each call a decision waits for. Past it the node
	// decides alone, as during an outage.
	redisTimeout = 2 * time.Second
	// publishQueue bounds the packets waiting for Redis; while Redis is
	// unreachable they would only pile up, so beyond it they are dropped
	// (and counted), as Redis pub/sub itself drops for nodes away.
	publishQueue = 16384
	// publishBatch is how many queued publishes go out in one pipeline.
	publishBatch = 256
)

// Where roomcast keeps its state in Redis. Every key carries the hash tag
// {roomcast}; channels do not, so sharded pub/sub spreads rooms over a
// cluster's shards.
const (
	keyPrefix         = "roomcast:{roomcast}:"
	membersKeyPrefix  = keyPrefix + "members:"
	namesKeyPrefix    = keyPrefix + "names:"
	nodeRoomsPrefix   = keyPrefix + "noderooms:"
	aliveKeyPrefix    = keyPrefix + "alive:"
	nodesKey          = keyPrefix + "nodes"
	peersKey          = keyPrefix + "peers"
	roomChannelPrefix = "roomcast:room:"
	nodeChannelPrefix = "roomcast:node:"
)

// redisBroker shares rooms with the other nodes through Redis: membership
// in hashes changed by Lua scripts (rooms.Cluster), packets through a
// sharded pub/sub channel per room, to which a node subscribes while it has
// members there, and one channel per node for what goes to one peer.
type redisBroker struct {
	rdb   *redis.Client
	node  string
	local local
	log   *slog.Logger
	drops *counters

	queue  chan publish
	ctx    context.Context
	cancel context.CancelFunc
	done   sync.WaitGroup

	sub   *subscriber
	waits handoverWaits

	up           atomic.Bool
	outageLogged atomic.Bool // an outage was logged, and its end is not yet
	outageMu     sync.Mutex  // serializes the resyncs

	// mine is this node's part of the shared state, to put back after
	// Redis lost it (a restart) and to decide alone while it is away.
	mu   sync.Mutex
	mine map[rooms.RoomKey]map[rooms.PeerID]string // member → flags
	held map[rooms.RoomKey]map[string]rooms.PeerID // names
}

// publish is one write to Redis from the publisher, in order.
type publish struct {
	channel string // a room's (sharded) or a node's
	sharded bool
	payload []byte
	// keys, when set, make this the to-check script instead: deliver to
	// peer to if it is in one of the rooms of keys, and tell done.
	keys []string
	to   rooms.PeerID
	done func(delivered bool)
}

// newRedisBroker connects to url and starts the node's loops; its peers
// are delivered through l.
func newRedisBroker(url string, l local, drops *counters, log *slog.Logger) (*redisBroker, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = redisTimeout, redisTimeout, redisTimeout
	opts.MaxRetries = 0 // a decision falls back to this node instead of waiting
	b := &redisBroker{
		rdb: redis.NewClient(opts), node: newNodeID(), local: l, log: log.With("node", ""), drops: drops,
		queue: make(chan publish, publishQueue), waits: handoverWaits{waiting: make(map[string]chan handoverReply)},
		mine: make(map[rooms.RoomKey]map[rooms.PeerID]string), held: make(map[rooms.RoomKey]map[string]rooms.PeerID),
	}
	b.log = log.With("node", b.node)
	redis.SetLogger(redisLog{b.log}) // the client's own lines, at debug: the outage is logged once, here
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.sub = newSubscriber(b)
	b.done.Add(4)
	go b.publisher()
	go b.sub.run()
	go b.sub.deliver()
	go b.heartbeat()
	if b.checkIn() {
		b.up.Store(true)
	}
	b.log.Info("sharing rooms through redis", "addr", opts.Addr)
	return b, nil
}

// redisLog sends go-redis's own log lines (every failed dial, while Redis
// is away) to the debug level.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug("redis client: " + fmt.Sprintf(format, v...))
}

func newNodeID() string {
	var id [9]byte
	_, _ = rand.Read(id[:])
	return base64.RawURLEncoding.EncodeToString(id[:])
}

func (b *redisBroker) membership() rooms.Cluster { return b }

func (b *redisBroker) handovers() handovers { return b }

func (b *redisBroker) status() brokerStatus { return brokerStatus{Kind: "redis", Up: b.up.Load()} }

// close leaves the shared rooms: this node's members are removed at once
// rather than when its alive key expires.
func (b *redisBroker) close() {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	_ = b.rdb.Del(ctx, aliveKeyPrefix+b.node).Err()
	b.reap(ctx, b.node)
	b.cancel()
	b.sub.close()
	b.done.Wait()
	_ = b.rdb.Close()
}

func roomKeyString(k rooms.RoomKey) string { return strconv.Itoa(int(k.Space)) + ":" + k.Name }

func parseRoomKey(s string) (rooms.RoomKey, bool) {
	space, name, ok := strings.Cut(s, ":")
	n, err := strconv.Atoi(space)
	if !ok || err != nil || n < 0 || n > 255 {
		return rooms.RoomKey{}, false
	}
	return rooms.RoomKey{Space: rooms.Space(n), Name: name}, true
}

func roomChannel(k rooms.RoomKey) string { return roomChannelPrefix + roomKeyString(k) }

// call runs a decision's script with the decision timeout, and notes
// whether Redis answered.
func (b *redisBroker) call(script *redis.Script, keys []string, args ...any) (any, error) {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	v, err := script.Run(ctx, b.rdb, keys, args...).Result()
	if err != nil && err != redis.Nil {
		b.failed(err)
		return nil, err
	}
	return v, nil
}

// Admit implements rooms.Cluster. While Redis is away the node admits on
// what it knows of its own members, and puts them back later (resync).
func (b *redisBroker) Admit(room rooms.RoomKey, id rooms.PeerID, limit int, ifEmpty bool) ([]rooms.Member, *rooms.Error) {
	b.sub.want(room) // subscribed before anyone can address the new member
	rk := roomKeyString(room)
	v, err := b.call(admitScript, []string{membersKeyPrefix + rk, nodeRoomsPrefix + b.node, peersKey},
		string(id), b.node, limit, boolArg(ifEmpty), rk)
	if err != nil {
		return b.admitAlone(room, id, limit, ifEmpty)
	}
	reply, _ := v.([]any)
	if len(reply) == 0 {
		return nil, rooms.ErrRoomFull(room.Name)
	}
	switch reply[0] {
	case "full":
		b.sub.unwantIfEmpty(room, b.isEmpty(room))
		return nil, rooms.ErrRoomFull(room.Name)
	case "taken":
		b.sub.unwantIfEmpty(room, b.isEmpty(room))
		return nil, rooms.ErrRoomTaken(room.Name)
	}
	b.remember(room, id)
	var others []rooms.Member
	for i := 1; i+1 < len(reply); i += 2 {
		peer, _ := reply[i].(string)
		value, _ := reply[i+1].(string)
		_, flags, _ := strings.Cut(value, "|")
		others = append(others, rooms.Member{ID: rooms.PeerID(peer), Screen: strings.Contains(flags, "s")})
	}
	return others, nil
}

// admitAlone decides a join on this node's own members only.
func (b *redisBroker) admitAlone(room rooms.RoomKey, id rooms.PeerID, limit int, ifEmpty bool) ([]rooms.Member, *rooms.Error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	members := b.mine[room]
	if _, in := members[id]; !in {
		switch {
		case ifEmpty && len(members) > 0:
			return nil, rooms.ErrRoomTaken(room.Name)
		case len(members) >= limit:
			return nil, rooms.ErrRoomFull(room.Name)
		}
	}
	var others []rooms.Member
	for peer, flags := range members {
		if peer != id {
			others = append(others, rooms.Member{ID: peer, Screen: strings.Contains(flags, "s")})
		}
	}
	b.rememberLocked(room, id)
	return others, nil
}

func (b *redisBroker) remember(room rooms.RoomKey, id rooms.PeerID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rememberLocked(room, id)
}

func (b *redisBroker) rememberLocked(room rooms.RoomKey, id rooms.PeerID) {
	if b.mine[room] == nil {
		b.mine[room] = make(map[rooms.PeerID]string)
	}
	if _, in := b.mine[room][id]; !in {
		b.mine[room][id] = ""
	}
}

func (b *redisBroker) isEmpty(room rooms.RoomKey) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.mine[room]) == 0
}

// Depart implements rooms.Cluster.
func (b *redisBroker) Depart(room rooms.RoomKey, id rooms.PeerID) {
	b.mu.Lock()
	delete(b.mine[room], id)
	empty := len(b.mine[room]) == 0
	if empty {
		delete(b.mine, room)
	}
	b.mu.Unlock()
	rk := roomKeyString(room)
	_, _ = b.call(departScript, []string{membersKeyPrefix + rk, nodeRoomsPrefix + b.node}, string(id), b.node, rk)
	if empty {
		_ = b.rdb.HDel(b.ctx, peersKey, string(id)) // best effort; the peer may still be in another room
	}
	b.sub.unwantIfEmpty(room, empty)
}

// SetScreen implements rooms.Cluster.
func (b *redisBroker) SetScreen(room rooms.RoomKey, id rooms.PeerID, screen bool) {
	flags := ""
	if screen {
		flags = "s"
	}
	b.mu.Lock()
	if _, in := b.mine[room][id]; in {
		b.mine[room][id] = flags
	}
	b.mu.Unlock()
	_, _ = b.call(screenScript, []string{membersKeyPrefix + roomKeyString(room)}, string(id), b.node, flags)
}

// ClaimName implements rooms.Cluster.
func (b *redisBroker) ClaimName(room rooms.RoomKey, name string, id rooms.PeerID) *rooms.Error {
	v, err := b.call(claimScript, []string{namesKeyPrefix + roomKeyString(room)}, name, string(id), b.node)
	if err == nil && v != int64(1) {
		return rooms.ErrNameTaken(name)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held[room] == nil {
		b.held[room] = make(map[string]rooms.PeerID)
	}
	b.held[room][name] = id
	return nil
}

// ReleaseName implements rooms.Cluster.
func (b *redisBroker) ReleaseName(room rooms.RoomKey, name string, id rooms.PeerID) {
	b.mu.Lock()
	if b.held[room][name] == id {
		delete(b.held[room], name)
	}
	b.mu.Unlock()
	_, _ = b.call(releaseScript, []string{namesKeyPrefix + roomKeyString(room)}, name, string(id))
}

// Named implements rooms.Cluster.
func (b *redisBroker) Named(room rooms.RoomKey, name string) (rooms.PeerID, bool) {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	v, err := b.rdb.HGet(ctx, namesKeyPrefix+roomKeyString(room), name).Result()
	if err != nil {
		if err != redis.Nil {
			b.failed(err)
		}
		return "", false
	}
	peer, _, _ := strings.Cut(v, "|")
	return rooms.PeerID(peer), true
}

func boolArg(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// publishRooms implements broker: one message per room, all in order.
func (b *redisBroker) publishRooms(space rooms.Space, scope []string, except rooms.PeerID, id string, pkt []byte, attachments [][]byte) {
	for i, name := range scope {
		msg := appendRoomMessage(nil, b.node, space, scope, i, except, id, pkt, attachments)
		b.enqueue(publish{channel: roomChannel(rooms.RoomKey{Space: space, Name: name}), sharded: true, payload: msg})
	}
}

// sendTo implements broker with the to-check script.
func (b *redisBroker) sendTo(space rooms.Space, scope []string, to rooms.PeerID, id string, pkt []byte, attachments [][]byte, done func(bool)) {
	keys := make([]string, len(scope))
	for i, name := range scope {
		keys[i] = membersKeyPrefix + roomKeyString(rooms.RoomKey{Space: space, Name: name})
	}
	msg := appendPeerMessage(nil, b.node, to, id, pkt, attachments)
	if !b.enqueue(publish{keys: keys, to: to, payload: msg, done: done}) {
		done(false)
	}
}

// sendPeer implements broker: to the peer's node, found in the peers hash.
func (b *redisBroker) sendPeer(id rooms.PeerID, pkt []byte) {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	node, err := b.rdb.HGet(ctx, peersKey, string(id)).Result()
	if err != nil {
		if err != redis.Nil {
			b.failed(err)
		}
		return
	}
	b.enqueue(publish{channel: nodeChannelPrefix + node, payload: appendPeerMessage(nil, b.node, id, "", pkt, nil)})
}

// enqueue hands a write to the publisher; a full queue drops it.
func (b *redisBroker) enqueue(p publish) bool {
	select {
	case b.queue <- p:
		return true
	default:
		b.drops.dropped(dropRedisBacklog)
		return false
	}
}

// publisher writes the queue to Redis in order, in pipelines: one
// connection's commands run in order, so every node gets each sender's
// packets in the order they were sent.
func (b *redisBroker) publisher() {
	defer b.done.Done()
	batch := make([]publish, 0, publishBatch)
	for {
		select {
		case <-b.ctx.Done():
			return
		case p := <-b.queue:
			batch = append(batch[:0], p)
		}
	fill:
		for len(batch) < publishBatch {
			select {
			case p := <-b.queue:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		b.flush(batch)
	}
}

func (b *redisBroker) flush(batch []publish) {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	pipe := b.rdb.Pipeline()
	cmds := make([]redis.Cmder, len(batch))
	for i, p := range batch {
		switch {
		case p.keys != nil:
			cmds[i] = sendToScript.EvalSha(ctx, pipe, p.keys, string(p.to), nodeChannelPrefix, p.payload)
		case p.sharded:
			cmds[i] = pipe.SPublish(ctx, p.channel, p.payload)
		default:
			cmds[i] = pipe.Publish(ctx, p.channel, p.payload)
		}
	}
	_, err := pipe.Exec(ctx)
	if err != nil && !isNoScript(err) {
		b.failed(err)
	}
	for i, p := range batch {
		if p.done == nil {
			continue
		}
		n, err := cmds[i].(*redis.Cmd).Int()
		if isNoScript(err) { // Redis restarted and lost the script: once more, in full
			n, err = sendToScript.Run(ctx, b.rdb, p.keys, string(p.to), nodeChannelPrefix, p.payload).Int()
		}
		p.done(err == nil && n == 1)
	}
}

func isNoScript(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") }

// failed notes that Redis did not answer; the first failure of an outage
// is logged, the rest are not.
func (b *redisBroker) failed(err error) {
	if b.ctx.Err() != nil {
		return
	}
	b.up.Store(false)
	if b.outageLogged.CompareAndSwap(false, true) {
		b.log.Warn("redis unreachable: rooms are shared with no other node until it is back", "error", err)
	}
}
