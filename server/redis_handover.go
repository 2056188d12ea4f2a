package server

import (
	"context"
	"sync"
	"time"

	"github.com/roomcast/roomcast/rooms"
)

// The broker's part of a handover (server/handover.go): finding the node of
// a dropped client, asking it for the client, and the answers.

const pidKeyPrefix = keyPrefix + "pid:"

// handoverWaits are the handovers this node asked for, by request id.
type handoverWaits struct {
	mu      sync.Mutex
	seq     uint64
	waiting map[string]chan handoverReply
}

// recoverable records that this node holds the dropped client of pid, for
// window: a reconnect to another node finds it here.
func (b *redisBroker) recoverable(pid string, window time.Duration) {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	if err := b.rdb.Set(ctx, pidKeyPrefix+pid, b.node, window).Err(); err != nil {
		b.failed(err)
	}
}

// unrecoverable forgets it: the client came back here, or left.
func (b *redisBroker) unrecoverable(pid string) {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	_ = b.rdb.Del(ctx, pidKeyPrefix+pid).Err()
}

// handover asks the node that holds pid's dropped client for it, and waits
// for the answer at most redisTimeout.
func (b *redisBroker) handover(pid, offset string) (handoverReply, string, bool) {
	ctx, cancel := context.WithTimeout(b.ctx, redisTimeout)
	defer cancel()
	node, err := b.rdb.Get(ctx, pidKeyPrefix+pid).Result()
	if err != nil || node == b.node {
		return handoverReply{}, "", false
	}
	b.waits.mu.Lock()
	b.waits.seq++
	req := b.node + "." + formatSeq(b.waits.seq)
	answer := make(chan handoverReply, 1)
	b.waits.waiting[req] = answer
	b.waits.mu.Unlock()
	defer func() {
		b.waits.mu.Lock()
		delete(b.waits.waiting, req)
		b.waits.mu.Unlock()
	}()
	b.enqueue(publish{channel: nodeChannelPrefix + node, payload: appendHandover(nil, b.node, req, pid, offset)})
	select {
	case r := <-answer:
		return r, node, r.ok
	case <-ctx.Done():
		return handoverReply{}, node, false
	}
}

// adopted takes over the shared part of a handed-over peer: this node
// keeps it, subscribes to its rooms, and tells the old node to let go.
func (b *redisBroker) adopted(oldNode, pid string, id rooms.PeerID, h rooms.Handover) {
	for _, name := range h.Rooms {
		room := rooms.RoomKey{Space: h.Space, Name: name}
		b.sub.want(room)
		b.remember(room, id)
		if h.Screen {
			b.mu.Lock()
			b.mine[room][id] = "s"
			b.mu.Unlock()
		}
	}
	b.enqueue(publish{channel: nodeChannelPrefix + oldNode, payload: appendAdopted(nil, b.node, pid)})
}

// released forgets a handed-over peer's shared part here: its rooms are
// another node's now.
func (b *redisBroker) released(id rooms.PeerID, h rooms.Handover) {
	for _, name := range h.Rooms {
		room := rooms.RoomKey{Space: h.Space, Name: name}
		b.mu.Lock()
		delete(b.mine[room], id)
		empty := len(b.mine[room]) == 0
		if empty {
			delete(b.mine, room)
		}
		b.mu.Unlock()
		b.sub.unwantIfEmpty(room, empty)
	}
}

// move hands the peer's memberships in Redis to node.
func (b *redisBroker) move(id rooms.PeerID, h rooms.Handover, node string) bool {
	args := []any{string(id), node, membersKeyPrefix}
	for _, name := range h.Rooms {
		args = append(args, roomKeyString(rooms.RoomKey{Space: h.Space, Name: name}))
	}
	_, err := b.call(moveScript, []string{peersKey, nodeRoomsPrefix + node}, args...)
	return err == nil
}

// forward hands a packet for a handed-over peer to its new node, until that
// node has taken its rooms over.
func (b *redisBroker) forward(node string, id rooms.PeerID, offset string, pkt []byte, attachments [][]byte) {
	b.enqueue(publish{channel: nodeChannelPrefix + node, payload: appendPeerMessage(nil, b.node, id, offset, pkt, attachments)})
}

// receivedHandover handles the handover messages of the node channel.
func (b *redisBroker) receivedHandover(payload []byte) {
	m, err := decodeHandover(payload)
	if err != nil {
		b.log.Warn("dropped a malformed handover from another node", "error", err)
		return
	}
	switch m.kind {
	case wireHandover:
		go func() { // it waits on Redis: not on the subscription's goroutine
			b.replyHandover(m.origin, m.req, b.local.handOver(m.pid, m.offs, m.origin))
		}()
	case wireHandoverReply:
		b.waits.mu.Lock()
		answer := b.waits.waiting[m.req]
		b.waits.mu.Unlock()
		if answer != nil {
			answer <- m.reply
		}
	case wireAdopted:
		go b.local.letGo(m.pid, m.origin)
	}
}

// replyHandover answers a handover.
func (b *redisBroker) replyHandover(node, req string, r handoverReply) {
	b.enqueue(publish{channel: nodeChannelPrefix + node, payload: appendHandoverReply(nil, b.node, req, r)})
}

func formatSeq(n uint64) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	if n == 0 {
		return "0"
	}
	var b [13]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = digits[n%36]
		n /= 36
	}
	return string(b[i:])
}
