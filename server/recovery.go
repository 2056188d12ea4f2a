package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/internal/sio"
	"github.com/roomcast/roomcast/internal/transport"
)

// Defaults for Recovery.
const (
	// DefaultRecoveryWindow is socket.io's: a page whose network blipped
	// comes back within it and misses nothing.
	DefaultRecoveryWindow = 2 * time.Minute
	// DefaultRecoveryPeerBytes bounds what one suspended peer may miss:
	// hundreds of signaling messages, far more than a call sends in two
	// minutes. A peer that misses more cannot recover, and leaves at once.
	DefaultRecoveryPeerBytes = 256 << 10
	// DefaultRecoveryTotalBytes bounds what all suspended peers hold
	// together.
	DefaultRecoveryTotalBytes = 64 << 20
	// recoveryReplayBytes is what a connected peer's log keeps: the last
	// packets sent to it, which may have been in flight when its transport
	// dropped.
	recoveryReplayBytes = 16 << 10
	// MaxRecoveryPeerBytes is the most PeerBytes may be: a recovering
	// client is queued everything it missed at once, with the last packets
	// kept while it was connected and a frame header per packet, in an
	// outbound queue of transport.DefaultMaxQueuedBytes (1 MiB) at least;
	// half of it leaves room for the rest. Past the queue, the replay would
	// close the connection as a slow consumer, and nothing would recover.
	MaxRecoveryPeerBytes = transport.DefaultMaxQueuedBytes / 2
)

// Recovery configures socket.io's connection state recovery: a socket.io
// 4.6+ client whose transport drops reconnects with its private id and the
// offset of the last event it got, and gets the same id, its rooms, and
// every event it missed, in order; the others never see it leave.
//
// Unlike socket.io's own design, which keeps every broadcast for the whole
// window, roomcast keeps per peer only its last 16 KiB of packets while it is
// connected, and what it misses while it is away.
type Recovery struct {
	// Window is how long a dropped peer is kept; 0 disables recovery.
	// Default: 2m.
	Window time.Duration
	// PeerBytes bounds the packets one dropped peer is kept; past it the
	// peer leaves its rooms at once. Default: 256 KiB; at most
	// MaxRecoveryPeerBytes.
	PeerBytes int
	// TotalBytes bounds the packets all dropped peers are kept together;
	// past it the peer that passes it leaves at once. Default: 64 MiB.
	TotalBytes int64
}

// DefaultRecovery returns the defaults documented on each field.
func DefaultRecovery() Recovery {
	return Recovery{Window: DefaultRecoveryWindow, PeerBytes: DefaultRecoveryPeerBytes, TotalBytes: DefaultRecoveryTotalBytes}
}

// Validate reports the first setting that cannot work.
func (r Recovery) Validate() error {
	if r.Window < 0 {
		return fmt.Errorf("recovery window is %v, it must be 0 (off) or positive", r.Window)
	}
	if r.Window > 0 && (r.PeerBytes < recoveryReplayBytes || r.PeerBytes > MaxRecoveryPeerBytes || r.TotalBytes < int64(r.PeerBytes)) {
		return fmt.Errorf("recovery memory: per peer %d bytes (%d to %d), in total %d (at least per peer)",
			r.PeerBytes, recoveryReplayBytes, MaxRecoveryPeerBytes, r.TotalBytes)
	}
	return nil
}

// logged is a packet as a recoverable peer gets it: with an offset as its
// last argument, which the client reports back when it reconnects. One
// logged packet serves every recipient of a broadcast.
type logged struct {
	pkt         []byte // the packet, offset included; in the same allocation when it fits
	offsetAt    int    // where the offset starts in pkt
	attachments [][]byte
}

// A logged packet and its bytes share one allocation, in the smallest of
// these that fits: connected peers keep their last packets (up to
// recoveryReplayBytes) for as long as they are connected, and most are far
// smaller than the largest, which fits a trickled ICE candidate with its
// envelope. Each struct is one of the allocator's size classes exactly.
type (
	logged128 struct {
		logged
		inline [128 - loggedHeader]byte
	}
	logged192 struct {
		logged
		inline [192 - loggedHeader]byte
	}
	logged256 struct {
		logged
		inline [256 - loggedHeader]byte
	}
	logged384 struct {
		logged
		inline [384 - loggedHeader]byte
	}
)

// loggedHeader is the size of logged itself on 64-bit platforms
// (TestLoggedSizeClasses checks it); on others the inline room is a little
// larger than the allocator's class needs.
const loggedHeader = 56

// allocLogged returns a logged packet and room for need bytes of it.
func allocLogged(need int) (*logged, []byte) {
	switch {
	case need <= len(logged128{}.inline):
		p := new(logged128)
		return &p.logged, p.inline[:0]
	case need <= len(logged192{}.inline):
		p := new(logged192)
		return &p.logged, p.inline[:0]
	case need <= len(logged256{}.inline):
		p := new(logged256)
		return &p.logged, p.inline[:0]
	case need <= len(logged384{}.inline):
		p := new(logged384)
		return &p.logged, p.inline[:0]
	}
	return new(logged), make([]byte, 0, need)
}

// packetIDs numbers the packets that recoverable clients get: one
// broadcast, one id, for every recipient and on every node (the id of the
// node it started on travels with it), so a client's offset means the same
// on any node it reconnects to.
type packetIDs struct {
	prefix string // the node's, with several nodes
	seq    atomic.Uint64
}

func (p *packetIDs) next() string { return string(p.appendNext(nil)) }

func (p *packetIDs) appendNext(dst []byte) []byte {
	return strconv.AppendUint(append(dst, p.prefix...), p.seq.Add(1), 36)
}

// newLogged copies an encoded event packet with an offset appended to its
// arguments: ["ice",{…}] becomes ["ice",{…},"<offset>"]. The offset is the
// packet's id, or, for "", the next of ids.
func newLogged(pkt []byte, attachments [][]byte, offset string, ids *packetIDs) *logged {
	p, b := allocLogged(len(pkt) + len(offset) + len(ids.prefix) + 16)
	p.attachments = attachments
	b = append(append(b, pkt[:len(pkt)-1]...), ',', '"')
	p.offsetAt = len(b)
	if offset == "" {
		b = ids.appendNext(b)
	} else {
		b = append(b, offset...)
	}
	p.pkt = append(b, '"', ']')
	return p
}

// offset is the packet's id, the one the client reports.
func (p *logged) offset() string { return string(p.offsetBytes()) }

func (p *logged) offsetBytes() []byte { return p.pkt[p.offsetAt : len(p.pkt)-2] }

func (p *logged) size() int {
	n := len(p.pkt)
	for _, a := range p.attachments {
		n += len(a)
	}
	return n
}

// streamLog is a peer's recent packets, oldest first.
type streamLog struct {
	entries []*logged
	start   int // entries before start are dropped
	bytes   int
}

func (l *streamLog) add(p *logged) { l.entries = append(l.entries, p); l.bytes += p.size() }

// trim drops the oldest packets until the log holds at most limit bytes.
func (l *streamLog) trim(limit int) {
	for l.bytes > limit && l.start < len(l.entries) {
		l.bytes -= l.entries[l.start].size()
		l.entries[l.start] = nil
		l.start++
	}
	if l.start > len(l.entries)/2 { // compact: amortized, the slice never grows without bound
		n := copy(l.entries, l.entries[l.start:])
		clear(l.entries[n:])
		l.entries, l.start = l.entries[:n], 0
	}
}

// after returns the packets after offset: all of them for "". ok is false
// when offset is not in the log, so what followed it is not known.
func (l *streamLog) after(offset string) (missed []*logged, ok bool) {
	live := l.entries[l.start:]
	if offset == "" {
		return live, true
	}
	for i, p := range live {
		if string(p.offsetBytes()) == offset {
			return live[i+1:], true
		}
	}
	return nil, false
}

// recovery holds the recoverable peers by private id, and what the
// suspended ones have missed.
type recovery struct {
	cfg  Recovery
	held atomic.Int64 // bytes in suspended peers' logs

	mu    sync.Mutex
	byPID map[string]*client
}

func newRecovery(cfg Recovery) *recovery {
	if cfg.Window <= 0 {
		return nil
	}
	return &recovery{cfg: cfg, byPID: make(map[string]*client)}
}

// enroll makes a new version 5 client recoverable: it gets a private id,
// sent in its connect answer.
func (r *recovery) enroll(c *client, sock *transport.Socket) {
	if r == nil || sock.Version() != sio.V5 {
		return
	}
	c.pid = newPID()
	sock.Recover("", c.pid)
	r.mu.Lock()
	r.byPID[c.pid] = c
	r.mu.Unlock()
}

// forget drops a client that is gone for good.
func (r *recovery) forget(c *client) {
	if r == nil || c.pid == "" {
		return
	}
	r.mu.Lock()
	if r.byPID[c.pid] == c {
		delete(r.byPID, c.pid)
	}
	r.mu.Unlock()
}

func (r *recovery) lookup(pid string) *client {
	if r == nil || pid == "" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byPID[pid]
}

// recoveryAuth is what a reconnecting socket.io 4.6+ client adds to its
// CONNECT payload.
type recoveryAuth struct {
	PID    string `json:"pid"`
	Offset string `json:"offset"`
}

func parseRecoveryAuth(auth json.RawMessage) recoveryAuth {
	var a recoveryAuth
	if auth != nil {
		_ = json.Unmarshal(auth, &a) // a malformed payload recovers nothing
	}
	return a
}

// suspendable reports whether a disconnect is a dropped connection, after
// which the client reconnects on its own, rather than a chosen end: a page
// that closes its websocket sends a close frame (transport close), one
// whose network went away sends nothing (transport error, ping timeout).
func suspendable(reason string) bool {
	return reason == transport.ReasonTransportError || reason == transport.ReasonPingTimeout
}

// newPID draws a private id: 128 random bits.
func newPID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
