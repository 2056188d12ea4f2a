package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/roomcast/roomcast/rooms"
)

// Backoff of the subscriber's reconnects while Redis is away.
const (
	resubscribeMin = 100 * time.Millisecond
	resubscribeMax = time.Second
)

// inboxMessages is how many messages read from the subscription may wait
// for delivery. The reader must keep reading while a delivery waits for the
// registry: a join holds the registry's lock until Redis confirms the
// room's subscription, which only the reader sees. Past this many the
// reader waits too (Redis then buffers, up to its pubsub output limit) and
// a join waiting meanwhile gives up after redisTimeout; nothing is
// dropped. 4,096 is about 0.4 s of what a node receives in the busiest
// two-node bench run (pairs at 20,000 events/s, 10,000 a second per node),
// against a join's wait of one Redis round trip.
const inboxMessages = 4096

// subscriber is the node's one subscription connection: its node channel,
// and the channel of every room it has members in. One connection for all
// of them keeps what one other node sends in its order, across channels.
type subscriber struct {
	b  *redisBroker
	ps *redis.PubSub
	// live is set once Redis has confirmed a subscription of the current
	// connection: false at the start and from a lost connection on.
	live atomic.Bool

	// inbox carries the messages read, in order, to the deliverer.
	inbox chan []byte

	mu      sync.Mutex
	rooms   map[rooms.RoomKey]bool
	waiting map[string][]chan struct{} // channels awaiting their subscription
}

func newSubscriber(b *redisBroker) *subscriber {
	return &subscriber{b: b, ps: b.rdb.Subscribe(b.ctx, nodeChannelPrefix+b.node), inbox: make(chan []byte, inboxMessages),
		rooms: make(map[rooms.RoomKey]bool), waiting: make(map[string][]chan struct{})}
}

// want subscribes to a room's channel, if it is not yet, and waits until
// Redis confirms it (at most redisTimeout): packets published to the room
// once a member is admitted must reach this node.
func (s *subscriber) want(room rooms.RoomKey) {
	s.mu.Lock()
	if s.rooms[room] {
		s.mu.Unlock()
		return
	}
	s.rooms[room] = true
	ch := roomChannel(room)
	confirmed := make(chan struct{})
	s.waiting[ch] = append(s.waiting[ch], confirmed)
	s.mu.Unlock()
	if err := s.ps.SSubscribe(s.b.ctx, ch); err != nil {
		s.b.failed(err)
		return // the reconnect subscribes again, with every room
	}
	select {
	case <-confirmed:
	case <-time.After(redisTimeout):
	case <-s.b.ctx.Done():
	}
}

// unwantIfEmpty unsubscribes from a room this node has no member in any
// more.
func (s *subscriber) unwantIfEmpty(room rooms.RoomKey, empty bool) {
	if !empty {
		return
	}
	s.mu.Lock()
	subscribed := s.rooms[room]
	delete(s.rooms, room)
	s.mu.Unlock()
	if subscribed {
		_ = s.ps.SUnsubscribe(s.b.ctx, roomChannel(room))
	}
}

// run reads the subscription until the broker closes, and hands its
// messages to deliver. A read error means the connection is gone: the next
// read reconnects and subscribes to every channel again, and the first
// confirmation after that tells the broker Redis is back.
func (s *subscriber) run() {
	defer s.b.done.Done()
	defer close(s.inbox)
	backoff := resubscribeMin
	lost := false
	for {
		msg, err := s.ps.Receive(s.b.ctx)
		if s.b.ctx.Err() != nil {
			return
		}
		if err != nil {
			s.b.failed(err)
			s.live.Store(false)
			lost = true
			select {
			case <-time.After(backoff):
			case <-s.b.ctx.Done():
				return
			}
			backoff = min(2*backoff, resubscribeMax)
			continue
		}
		backoff = resubscribeMin
		switch m := msg.(type) {
		case *redis.Subscription:
			s.confirmed(m.Channel)
			s.live.Store(true)
			if lost {
				lost = false
				go s.b.recovered()
			}
		case *redis.Message:
			select {
			case s.inbox <- []byte(m.Payload):
			case <-s.b.ctx.Done():
				return
			}
		}
	}
}

// deliver delivers the messages run read, one at a time, in their order.
func (s *subscriber) deliver() {
	defer s.b.done.Done()
	for payload := range s.inbox {
		s.b.received(payload)
	}
}

func (s *subscriber) confirmed(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.waiting[channel] {
		close(c)
	}
	delete(s.waiting, channel)
}

func (s *subscriber) close() { _ = s.ps.Close() }

// received delivers one message from another node to this node's peers.
func (b *redisBroker) received(payload []byte) {
	if len(payload) > 0 && payload[0] >= wireHandover {
		b.receivedHandover(payload)
		return
	}
	m, err := decodeWire(payload)
	if err != nil {
		b.log.Warn("dropped a malformed message from another node", "error", err)
		return
	}
	if m.origin == b.node && m.kind == wireRoom {
		return // this node delivered it to its own peers already
	}
	switch m.kind {
	case wireRoom:
		b.local.roomPacket(m.space, m.scope, m.index, m.peer, m.id, m.pkt, m.attachments)
	case wirePeer:
		b.local.peerPacket(m.peer, m.id, m.pkt, m.attachments)
	case wireGone:
		b.local.peerGone(m.space, m.peer, m.scope, m.index)
	}
}

// subscribedRooms lists the rooms subscribed to.
func (s *subscriber) subscribedRooms() []rooms.RoomKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]rooms.RoomKey, 0, len(s.rooms))
	for room := range s.rooms {
		out = append(out, room)
	}
	return out
}
