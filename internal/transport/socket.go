package transport

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/roomcast/roomcast/internal/eio"
	"github.com/roomcast/roomcast/internal/jsonscan"
	"github.com/roomcast/roomcast/internal/sio"
)

// Socket is a client's connection to the main namespace: what a Handler
// sends to. Its methods are safe for concurrent use.
type Socket struct {
	sess    *session
	id      string
	pid     string
	version sio.Version
	value   any
	// Guarded by sess.mu. Until connected, packets go to early and follow
	// the connect answer.
	connected, closed bool
	early             outbox
}

// ID is the socket's id: for version 5 clients a fresh one, never the
// session id (which authenticates polling requests); version 4 clients
// compute their id from the session id, so it is that.
func (k *Socket) ID() string { return k.id }

// Recover makes the socket the continuation of an earlier one, for
// socket.io's connection state recovery: it takes that socket's id, and the
// connect answer carries pid, the private id the client sends back with its
// last offset when it reconnects ({sid, pid}; socket.io 4.6+ clients then
// report socket.recovered). A pid without an earlier id (id "") starts a
// recoverable socket. Call it during Connect only, for version 5 sockets.
func (k *Socket) Recover(id, pid string) {
	if id != "" {
		k.id = id
	}
	k.pid = pid
}

// Version is the client's Socket.IO protocol version.
func (k *Socket) Version() sio.Version { return k.version }

// Transport is "polling" or "websocket", the transport in use right now.
func (k *Socket) Transport() string {
	k.sess.mu.Lock()
	defer k.sess.mu.Unlock()
	return k.sess.kind.String()
}

// Handshake describes the HTTP request that opened the session.
func (k *Socket) Handshake() *Handshake { return &k.sess.handshake }

// SetValue attaches the handler's own state to the socket; Value returns
// it. Only the handler's calls for this socket may use them, which the
// transport never runs at once.
func (k *Socket) SetValue(v any) { k.value = v }

// Value returns what SetValue attached.
func (k *Socket) Value() any { return k.value }

// Send queues one encoded Socket.IO packet (see sio.AppendHeader), copying
// it: the caller may reuse pkt at once, and may send the same bytes to many
// sockets. It reports false if the socket is gone; a queue overflow closes
// the connection as a slow consumer.
func (k *Socket) Send(pkt []byte) bool { return k.SendBinary(pkt, nil) }

// SendBinary queues a BINARY_EVENT or BINARY_ACK packet and its
// attachments, all or nothing, contiguous in the queue.
func (k *Socket) SendBinary(pkt []byte, attachments [][]byte) bool {
	s := k.sess
	s.mu.Lock()
	if k.closed || s.closed || s.draining {
		s.mu.Unlock()
		return false
	}
	q := &s.out
	if !k.connected {
		q = &k.early
	}
	if !q.fits(pkt, attachments) {
		s.mu.Unlock()
		s.overflow()
		return false
	}
	q.add(eio.Message, pkt, false, s.version)
	for _, a := range attachments {
		q.add(eio.Message, a, true, s.version)
	}
	start := k.connected && s.kickLocked()
	s.mu.Unlock()
	if start {
		go s.writer()
	}
	return true
}

// Emit encodes an event with encoding/json and sends it. For the packets of
// the hot path, encode once with sio and use Send.
func (k *Socket) Emit(event string, args ...any) bool {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		k.sess.srv.cfg.Logger.Error("an event could not be encoded", "event", event, "error", err)
		return false
	}
	return k.Send(append(sio.AppendHeader(nil, sio.Event, "", 0, sio.NoID), data...))
}

// Ack answers the client's event id with args, a JSON array.
func (k *Socket) Ack(id int64, args json.RawMessage) bool {
	if id == NoAck {
		return false
	}
	var buf [64]byte
	return k.Send(append(sio.AppendHeader(buf[:0], sio.Ack, "", 0, id), args...))
}

// Close ends the connection; the official clients reconnect.
func (k *Socket) Close(reason string) { k.sess.close(reason) }

// Disconnect sends the client a DISCONNECT for the namespace, then closes
// the connection once its queue is sent; the official clients do not
// reconnect after it.
func (k *Socket) Disconnect() {
	k.Send(sio.AppendHeader(nil, sio.Disconnect, "", 0, sio.NoID))
	k.sess.drain(ReasonServerDisconnect)
}

// partialPacket is a binary packet waiting for its attachments.
type partialPacket struct {
	packet      sio.Packet
	data        []byte // a copy: the packet's own buffer is gone by then
	attachments [][]byte
	size        int
}

// Errors that close a session.
var (
	errNoConnect          = errors.New("an event before the namespace connect")
	errUnexpectedPacket   = errors.New("a packet type clients do not send")
	errStrayAttachment    = errors.New("a binary message that no packet announced")
	errMissingAttachment  = errors.New("a packet where an attachment was announced")
	errTooManyAttachments = errors.New("more attachments than allowed")
	errPayloadTooLarge    = errors.New("attachments larger than the payload limit")
)

// onMessage handles an Engine.IO message: one Socket.IO packet, or an
// attachment of the binary packet before it.
func (s *session) onMessage(p eio.Packet) error {
	if p.Binary {
		return s.onAttachment(p.Data)
	}
	if s.partial != nil {
		return errMissingAttachment
	}
	pkt, err := sio.Decode(p.Data)
	if err != nil {
		return err
	}
	if nsp := s.namespace(pkt.Namespace); nsp != sio.MainNamespace {
		return s.otherNamespace(pkt, nsp)
	}
	switch pkt.Type {
	case sio.Connect:
		s.connectSocket(pkt.Data)
	case sio.Disconnect:
		s.disconnectSocket(ReasonClientDisconnect)
	case sio.Event:
		return s.deliver(pkt, nil)
	case sio.BinaryEvent, sio.BinaryAck:
		return s.awaitAttachments(pkt)
	case sio.Ack: // roomcast asks clients for no acks: nothing to match
	default:
		return errUnexpectedPacket
	}
	return nil
}

// namespace strips the query version 4 clients may append ("/x?a=b").
func (s *session) namespace(nsp string) string {
	if i := strings.IndexByte(nsp, '?'); i >= 0 {
		return nsp[:i]
	}
	return nsp
}

// otherNamespace refuses every namespace but the main one. The session
// stays: the client may be connected to the main namespace too.
func (s *session) otherNamespace(pkt sio.Packet, nsp string) error {
	switch pkt.Type {
	case sio.Connect:
		s.queue(eio.Message, sio.AppendConnectError(nil, s.sioVersion(), nsp, "Invalid namespace"))
	case sio.Disconnect:
	default:
		return errNoConnect
	}
	return nil
}

func (s *session) sioVersion() sio.Version {
	if s.version == eio.V3 {
		return sio.V4
	}
	return sio.V5
}

// connectSocket opens the main namespace: the handler admits or refuses,
// and the client gets the answer, followed by what the handler sent
// meanwhile. A second CONNECT while connected is answered again.
func (s *session) connectSocket(auth json.RawMessage) {
	if k := s.socket; k != nil && k.connected {
		s.queue(eio.Message, s.connectAnswer(k))
		return
	}
	k := &Socket{sess: s, id: s.id, version: s.sioVersion(), early: outbox{max: s.srv.cfg.MaxQueuedBytes}}
	if k.version == sio.V5 {
		k.id = newID()
	}
	s.setSocket(k)
	if err := s.srv.handler.Connect(k, auth); err != nil {
		s.mu.Lock()
		k.closed = true
		k.early.drop()
		s.mu.Unlock()
		s.setSocket(nil)
		s.queue(eio.Message, sio.AppendConnectError(nil, k.version, "", err.Error()))
		return
	}
	s.everConnected = true
	s.mu.Lock()
	if s.connectTimer != nil {
		s.connectTimer.Stop()
	}
	s.mu.Unlock()
	s.openSocket(k)
}

// openSocket queues the connect answer and then the early packets.
func (s *session) openSocket(k *Socket) {
	answer := s.connectAnswer(k)
	s.mu.Lock()
	defer func() {
		start := s.kickLocked()
		s.mu.Unlock()
		if start {
			go s.writer()
		}
	}()
	// Admitted, the socket is connected even if the session closed during
	// Connect: finish then owes the handler its Disconnect.
	k.connected = true
	if s.closed {
		k.early.drop()
		return
	}
	early := k.early.take()
	if !s.out.add(eio.Message, answer, false, s.version) || (early != nil && !s.out.addRaw(early.b)) {
		putChunk(early)
		go s.overflow()
		return
	}
	putChunk(early)
}

// connectAnswer is the CONNECT packet that admits k: {"sid"} in version 5,
// bare in version 4.
func (s *session) connectAnswer(k *Socket) []byte {
	b := sio.AppendHeader(nil, sio.Connect, "", 0, sio.NoID)
	if k.version == sio.V4 {
		return b
	}
	b = jsonscan.AppendString(append(b, `{"sid":`...), k.id)
	if k.pid != "" {
		b = jsonscan.AppendString(append(b, `,"pid":`...), k.pid)
	}
	return append(b, '}')
}

// setSocket changes the session's socket, which close reads under mu.
func (s *session) setSocket(k *Socket) {
	s.mu.Lock()
	s.socket = k
	s.mu.Unlock()
}

// disconnectSocket closes the namespace but not the session, which the
// client may use to connect again.
func (s *session) disconnectSocket(reason string) {
	k := s.socket
	if k == nil {
		return
	}
	s.mu.Lock()
	k.closed = true
	s.mu.Unlock()
	s.setSocket(nil)
	if k.connected {
		s.srv.handler.Disconnect(k, reason)
	}
}

// deliver hands a complete event to the handler.
func (s *session) deliver(pkt sio.Packet, attachments [][]byte) error {
	k := s.socket
	if k == nil || !k.connected {
		return errNoConnect
	}
	name, args, _ := sio.EventName(pkt.Data) // Decode has checked the shape
	s.ev = Event{Name: name, Args: args, AckID: pkt.ID, Attachments: attachments}
	s.srv.handler.Event(k, &s.ev)
	s.ev = Event{}
	return nil
}

func (s *session) awaitAttachments(pkt sio.Packet) error {
	if pkt.Attachments > s.srv.cfg.MaxAttachments {
		return errTooManyAttachments
	}
	part := &partialPacket{packet: pkt, data: append([]byte(nil), pkt.Data...)}
	part.packet.Data = part.data
	if pkt.Attachments == 0 {
		return s.completeBinary(part)
	}
	s.partial = part
	return nil
}

func (s *session) onAttachment(data []byte) error {
	part := s.partial
	if part == nil {
		return errStrayAttachment
	}
	part.size += len(data)
	if int64(part.size) > s.srv.cfg.MaxPayload {
		return errPayloadTooLarge
	}
	part.attachments = append(part.attachments, append([]byte(nil), data...))
	if len(part.attachments) < part.packet.Attachments {
		return nil
	}
	s.partial = nil
	return s.completeBinary(part)
}

func (s *session) completeBinary(part *partialPacket) error {
	if part.packet.Type == sio.BinaryAck {
		return nil // no acks are asked of clients
	}
	if !placeholdersValid(part.packet.Data, len(part.attachments)) {
		return errBadPlaceholder
	}
	return s.deliver(part.packet, part.attachments)
}

// Handshake describes the HTTP request that opened a session.
type Handshake struct {
	// RawQuery is the request's query, unparsed: it is read once, at
	// connect, and a parsed one would cost every idle peer its map.
	RawQuery string
	// Host is the Host header: the name the client reached the server by.
	Host string
	// RemoteAddr is the peer's address as the HTTP server saw it.
	RemoteAddr string
	// Origin is the page's origin, for browsers.
	Origin string
	// ForwardedFor is the X-Forwarded-For header, for a proxy in front.
	ForwardedFor string
	// UserAgent is the User-Agent header.
	UserAgent string
}

// Query parses the request's query, e.g. a room for clients that cannot
// send a CONNECT payload.
func (h *Handshake) Query() url.Values {
	q, _ := url.ParseQuery(h.RawQuery) // the handshake's query parsed once already
	return q
}
