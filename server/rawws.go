package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// Limits of a raw websocket connection.
const (
	// rawQueueFrames bounds a raw peer's outbound queue: its frames are a
	// call's signaling, a few dozen at most in flight. Its bytes are
	// bounded as a socket.io connection's are (rawEndpoint.maxQueued).
	rawQueueFrames = 256
	// rawWriteTimeout bounds one write to a raw peer.
	rawWriteTimeout = 10 * time.Second
	// rawCloseWait bounds the flush before a refused connection closes.
	rawCloseWait = time.Second
)

// rawEndpoint serves the raw WebSocket dialects (rooms.RawConn, the "inst"
// and "login" pages) on / and /ws. Its peers live in the registry's raw
// space: same limits and counts as socket.io peers, rooms of their own.
type rawEndpoint struct {
	sig        *signaling
	registry   *rooms.Registry
	peers      *directory
	broker     broker
	admission  *admission
	origins    []string
	limits     Limits
	maxMessage int64
	// maxQueued bounds the bytes queued for one peer: the socket.io
	// transport's bound (1 MiB), or one message if that is larger.
	maxQueued int64
	upgrader  websocket.Upgrader
	stats     *counters
	log       *slog.Logger

	mu      sync.Mutex
	open    map[*rawPeer]struct{}
	closing bool
	live    sync.WaitGroup
}

func newRawEndpoint(s *signaling, adm *admission, cfg Config, log *slog.Logger) *rawEndpoint {
	e := &rawEndpoint{sig: s, registry: s.registry, peers: s.peers, broker: s.broker, admission: adm, origins: cfg.AllowedOrigins, limits: cfg.Limits,
		maxMessage: cfg.MaxMessageBytes, maxQueued: max(transport.DefaultMaxQueuedBytes, cfg.MaxMessageBytes),
		stats: s.stats, log: log, open: make(map[*rawPeer]struct{})}
	e.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     func(*http.Request) bool { return true }, // ServeHTTP has checked it
	}
	return e
}

// ServeHTTP takes a websocket upgrade and runs the connection until it
// closes. Refusals come before the upgrade, as HTTP errors.
func (e *rawEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); !originAllowed(e.origins, origin) {
		e.log.Debug("refused a raw websocket from another origin", "origin", origin, "remote", r.RemoteAddr)
		forbid(w)
		return
	}
	release, err := e.admission.admit(r)
	if err != nil {
		e.log.Info("refused a raw websocket", "why", err.Error(), "remote", r.RemoteAddr)
		forbid(w)
		return
	}
	defer release()
	conn, err := e.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	p := newRawPeer(rooms.PeerID(newPeerID()), conn, e.maxQueued, e.stats)
	if !e.track(p) {
		p.closeNow()
		return
	}
	defer e.untrack(p)
	go p.writeLoop()
	q := r.URL.Query()
	e.serve(p, q.Get("room"), q.Get(rooms.MemberToken))
}

// serve registers the peer in its room (if token opens it, when rooms are
// private), reads its frames until it closes, and tells its partner when
// it goes.
func (e *rawEndpoint) serve(p *rawPeer, room, token string) {
	rc := e.registry.NewRawConn(p.id)
	j, err := e.sig.enter(p.id, rooms.SpaceRaw, room, token)
	if err != nil {
		e.refuse(p, rc, err)
		rc.Close() // the registry keeps a refused peer, for sockets that may join later: a raw one cannot
		return
	}
	if j.New {
		e.stats.joins.Add(1)
	}
	e.peers.add(p.id, p)
	defer func() {
		e.send(rc.Close())
		e.peers.remove(p.id, p)
		p.close()
	}()
	rate := newEventRate(e.limits)
	for {
		binary, frame, err := p.read(e.maxMessage)
		switch {
		case errors.Is(err, errFrameTooLarge):
			e.stats.dropped(dropOversize)
			e.refuse(p, rc, &rooms.Error{Code: rooms.CodeMessageTooLarge, Message: "a frame is larger than the message limit"})
			return
		case err != nil:
			return
		}
		ok, cutOff := rate.allow(time.Now())
		switch {
		case cutOff:
			e.log.Info("closing a raw websocket that kept exceeding the event rate", "peer", p.id)
			e.refuse(p, rc, &rooms.Error{Code: rooms.CodeRateLimited, Message: "too many messages: closing"})
			return
		case !ok:
			e.stats.dropped(dropRateLimited)
			e.send(rc.Refuse(&rooms.Error{Code: rooms.CodeRateLimited, Message: "too many messages: slow down"}))
		case binary:
			e.send(rc.Refuse(&rooms.Error{Code: rooms.CodeInvalidPayload, Message: "binary frames are not part of the protocol: send JSON text"}))
		default:
			frames := rc.Handle(frame)
			e.countRelayed(p.id, frames)
			e.send(frames)
		}
	}
}

// forbid refuses an upgrade as the socket.io endpoint refuses a handshake
// (403, {"code":4,"message":"Forbidden"}), so that a client beyond a limit
// gets one answer whichever endpoint it tried; the reason is logged.
func forbid(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(eio.Forbidden.Body())
}

// refuse tells the peer why and closes its connection.
func (e *rawEndpoint) refuse(p *rawPeer, rc *rooms.RawConn, err *rooms.Error) {
	e.stats.refused(err.Code)
	for _, f := range rc.Refuse(err) {
		p.deliver(f.Data, nil)
	}
	p.close()
}

// countRelayed counts the frames of one decision that go to another peer:
// a raw message is relayed to one peer, or refused (a frame to its sender).
func (e *rawEndpoint) countRelayed(sender rooms.PeerID, frames []rooms.RawFrame) {
	for _, f := range frames {
		if f.To != sender {
			e.stats.relayed.Add(1)
			e.stats.delivered.Add(1)
		}
	}
}

// openCount is the number of open raw connections.
func (e *rawEndpoint) openCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.open)
}

// send delivers a decision's frames, each to its peer, on this node or on
// the one that has it.
func (e *rawEndpoint) send(frames []rooms.RawFrame) {
	for _, f := range frames {
		if !e.peers.has(f.To) {
			e.broker.sendPeer(f.To, f.Data)
			continue
		}
		e.peers.deliver([]rooms.PeerID{f.To}, f.Data, nil)
	}
}

func (e *rawEndpoint) track(p *rawPeer) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing {
		return false
	}
	e.open[p] = struct{}{}
	e.live.Add(1)
	return true
}

func (e *rawEndpoint) untrack(p *rawPeer) {
	e.mu.Lock()
	delete(e.open, p)
	e.mu.Unlock()
	e.live.Done()
}

// Close closes every raw connection and waits until each has left its
// room.
func (e *rawEndpoint) Close() {
	e.mu.Lock()
	e.closing = true
	for p := range e.open {
		p.closeNow()
	}
	e.mu.Unlock()
	e.live.Wait()
}

var errFrameTooLarge = errors.New("frame larger than the message limit")

// rawPeer is one raw websocket connection: its reader runs on the request's
// goroutine, its writer on its own, fed by a bounded queue.
type rawPeer struct {
	id    rooms.PeerID
	conn  *websocket.Conn
	out   chan []byte
	stats *counters
	// queued is the bytes in out; past maxQueued the peer is not reading.
	queued    atomic.Int64
	maxQueued int64

	overflowOnce sync.Once // counts the peer once as a slow consumer

	closeOnce sync.Once
	done      chan struct{} // closed by close: the writer flushes, then closes the connection
}

func newRawPeer(id rooms.PeerID, conn *websocket.Conn, maxQueued int64, stats *counters) *rawPeer {
	return &rawPeer{id: id, conn: conn, out: make(chan []byte, rawQueueFrames), maxQueued: maxQueued, stats: stats,
		done: make(chan struct{})}
}

// read returns the next message, at most limit bytes of it.
func (p *rawPeer) read(limit int64) (binary bool, data []byte, err error) {
	typ, r, err := p.conn.NextReader()
	if err != nil {
		return false, nil, err
	}
	data, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return false, nil, err
	}
	if int64(len(data)) > limit {
		return false, nil, errFrameTooLarge
	}
	return typ == websocket.BinaryMessage, data, nil
}

// deliver queues a frame, copied; a peer whose queue is full, in frames
// or bytes, is not reading and is closed.
func (p *rawPeer) deliver(pkt []byte, _ [][]byte) {
	select {
	case <-p.done:
		return
	default:
	}
	if p.queued.Add(int64(len(pkt))) > p.maxQueued {
		p.overflow()
		return
	}
	select {
	case p.out <- append([]byte(nil), pkt...):
	default:
		p.overflow()
	}
}

// overflow closes a peer whose queue is full, counted once.
func (p *rawPeer) overflow() {
	p.overflowOnce.Do(func() { p.stats.dropped(dropSlowConsumer) })
	p.closeNow()
}

// take is a frame leaving the queue for the network.
func (p *rawPeer) take(frame []byte) []byte {
	p.queued.Add(-int64(len(frame)))
	return frame
}

// writeLoop sends queued frames until the peer is closed, then what is
// still queued, then a close frame.
func (p *rawPeer) writeLoop() {
	for {
		select {
		case frame := <-p.out:
			if !p.write(p.take(frame)) {
				p.closeNow()
				return
			}
		case <-p.done:
			p.flush(time.Now().Add(rawCloseWait))
			_ = p.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(rawCloseWait))
			_ = p.conn.Close()
			return
		}
	}
}

// flush writes what is still queued, until deadline.
func (p *rawPeer) flush(deadline time.Time) {
	for time.Now().Before(deadline) {
		select {
		case frame := <-p.out:
			if !p.write(p.take(frame)) {
				return
			}
		default:
			return
		}
	}
}

func (p *rawPeer) write(frame []byte) bool {
	_ = p.conn.SetWriteDeadline(time.Now().Add(rawWriteTimeout))
	return p.conn.WriteMessage(websocket.TextMessage, frame) == nil
}

// close flushes what is queued and closes the connection.
func (p *rawPeer) close() { p.closeOnce.Do(func() { close(p.done) }) }

// closeNow closes the connection at once, which also ends its reader.
func (p *rawPeer) closeNow() {
	p.close()
	_ = p.conn.Close()
}

// newPeerID draws a raw peer's id: 120 random bits, as socket ids.
func newPeerID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// originAllowed applies an origin allowlist ("*" for all); requests without
// an Origin header, which browsers always send, pass.
func originAllowed(origins []string, origin string) bool {
	if origin == "" || origins[0] == "*" {
		return true
	}
	for _, o := range origins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}
