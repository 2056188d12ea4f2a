package server

import (
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/internal/sio"
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// signaling implements transport.Handler: it turns each client event into a
// registry decision and sends the outcome. Data flows one way: transport →
// handler → rooms decision → encoded once → each recipient's queue.
type signaling struct {
	registry *rooms.Registry
	peers    *directory
	// broker carries what concerns other nodes; clustered is set when
	// there are any (a broker with a membership).
	broker    broker
	clustered bool
	rec       *recovery // nil when recovery is off
	log       *slog.Logger
	limits    Limits
	ice       iceSource
	stats     *counters
	tokens    *roomTokens // nil: every room is open
	commands  map[string]command
	// closing is set at shutdown: disconnects then are final, not drops to
	// recover from.
	closing atomic.Bool
}

// command handles one event the server itself answers.
type command func(s *signaling, c *client, ev *transport.Event)

func newSignaling(registry *rooms.Registry, cfg Config, stats *counters, log *slog.Logger) *signaling {
	s := &signaling{registry: registry, peers: newDirectory(), broker: memoryBroker{}, rec: newRecovery(cfg.Recovery), log: log,
		limits: cfg.Limits, ice: iceSource{static: cfg.ICEServers}, stats: stats}
	s.peers.rec, s.peers.overflow = s.rec, s.overflowed
	s.commands = map[string]command{
		rooms.EventJoin:          (*signaling).join,
		rooms.EventLeave:         (*signaling).leave,
		rooms.EventCreateOrJoin:  (*signaling).createOrJoin,
		rooms.EventIPAddr:        (*signaling).ipaddr,
		rooms.EventCreate:        (*signaling).create,
		rooms.EventShareScreen:   (*signaling).shareScreen,
		rooms.EventUnshareScreen: (*signaling).unshareScreen,
		rooms.EventICEServers:    (*signaling).iceServers,
	}
	return s
}

// Connect registers a new peer and joins the room it asked for in its
// handshake (auth.room, or ?room= for clients without auth), or the default
// room. A refused room is reported with join-error; the peer stays
// connected and may join another. Signalmaster's pages get the ICE servers
// at once, as stunservers and turnservers; with TURN, fresh credentials
// follow before those expire (startICERefresh).
func (s *signaling) Connect(sock *transport.Socket, auth json.RawMessage) error {
	if a := parseRecoveryAuth(auth); a.PID != "" && (s.resume(sock, a) || s.resumeElsewhere(sock, a)) {
		return nil
	}
	c := newClient(rooms.PeerID(sock.ID()), sock, s.limits)
	sock.SetValue(c)
	s.rec.enroll(c, sock)
	s.peers.add(c.id, c)
	s.startICERefresh(c)
	s.stats.connects.Add(1)
	room := requestedRoom(auth, sock.Handshake())
	if s.tokens != nil {
		c.token = requestedToken(auth, sock.Handshake())
	}
	j, err := s.enter(c.id, rooms.SpaceSocketIO, room, c.token)
	s.send(s.iceFor(c.id).ConnectNotices(c.id))
	if err != nil {
		s.stats.refused(err.Code)
		if room == "" {
			room = s.registry.Config().DefaultRoom
		}
		c.emit(&s.peers.ids, rooms.EventJoinError, rooms.JoinFailure{Room: room, Code: err.Code, Message: err.Message})
		return nil
	}
	if j.Room == "" {
		return nil
	}
	s.admitted(c, j)
	if room != "" {
		c.emit(&s.peers.ids, rooms.EventJoined, s.joinAck(c, j))
	}
	return nil
}

// Event routes one client event. The transport calls it for one socket at a
// time, in the order the client sent them.
func (s *signaling) Event(sock *transport.Socket, ev *transport.Event) {
	c := sock.Value().(*client)
	if !s.allow(c, ev) {
		return
	}
	if cmd, ok := s.commands[string(ev.Name)]; ok {
		cmd(s, c, ev)
		return
	}
	if s.registry.IsRelayEvent(string(ev.Name)) {
		s.relay(c, ev)
		return
	}
	s.log.Debug("unknown event refused", "event", string(ev.Name), "peer", c.id)
	s.fail(c, ev, &rooms.Error{Code: rooms.CodeUnknownEvent, Message: "event " + string(ev.Name) + " is neither a command nor relayed"})
}

// allow applies the connection's event rate: an event beyond it is refused
// (acked rate-limited, or dropped and counted), and a connection that keeps
// exceeding it for MaxExcess is disconnected.
func (s *signaling) allow(c *client, ev *transport.Event) bool {
	ok, cutOff := c.rate.allow(time.Now())
	if ok {
		return true
	}
	s.stats.dropped(dropRateLimited)
	if cutOff {
		s.log.Info("disconnecting a client that kept exceeding the event rate", "peer", c.id,
			"rate", s.limits.EventRate, "for", s.limits.MaxExcess)
		c.socket().Disconnect()
		return false
	}
	s.fail(c, ev, &rooms.Error{Code: rooms.CodeRateLimited, Message: "too many events: slow down"})
	return false
}

// Disconnect takes the peer out of its rooms and tells them (see depart);
// a recoverable peer whose transport dropped is suspended instead. The
// transport calls it after the peer's last event, so the others get every
// event the peer sent before leaving first.
func (s *signaling) Disconnect(sock *transport.Socket, reason string) {
	c := sock.Value().(*client)
	c.mu.Lock()
	// A newer socket took over, the client left, or it is moving to
	// another node: this socket's end changes nothing.
	stale := c.sock != sock || c.gone || c.movingTo != ""
	suspend := !stale && s.rec != nil && c.recoverable() && suspendable(reason) && !s.closing.Load()
	if suspend {
		s.suspendLocked(c)
	}
	c.mu.Unlock()
	switch {
	case suspend:
		if h := s.broker.handovers(); h != nil {
			h.recoverable(c.pid, s.rec.cfg.Window) // a reconnect to another node finds it here
		}
	case !stale:
		s.end(c)
	}
}

// admitted tells the rooms involved about a registry join: the default room
// it left, the room it entered.
func (s *signaling) admitted(c *client, j rooms.Joined) {
	for _, d := range j.Departures {
		s.send(d.Notices(c.id, false))
	}
	if j.New {
		s.stats.joins.Add(1)
		s.send([]rooms.Emit{{To: s.registry.Others(nil, c.id, j.Room), Event: rooms.EventPeerJoined,
			Args: []any{rooms.RoomPeer{Room: j.Room, ID: c.id}}, Rooms: []string{j.Room}, Except: c.id}})
	}
}

// joinAck is a join's result as the peer gets it, with the ICE servers its
// page should use.
func (s *signaling) joinAck(c *client, j rooms.Joined) joinAck {
	return joinAck{JoinAck: j.Ack(c.id), ICEServers: s.iceFor(c.id)}
}

// joinAck is rooms.JoinAck and iceServers, for roomcast's own page.
type joinAck struct {
	rooms.JoinAck
	ICEServers rooms.ICEServers `json:"iceServers"`
}

// send delivers a decision's events in order, each encoded once: to this
// node's peers in To, and through the broker to the other nodes' members of
// the rooms it names.
func (s *signaling) send(emits []rooms.Emit) {
	for _, e := range emits {
		if len(e.To) == 0 && (!s.clustered || len(e.Rooms) == 0) {
			continue
		}
		pkt := encodeEvent(e.Event, e.Args...)
		if !s.clustered || len(e.Rooms) == 0 {
			s.peers.deliver(e.To, pkt, nil)
			continue
		}
		id := s.peers.ids.next()
		s.peers.deliverID(e.To, pkt, nil, id)
		s.broker.publishRooms(rooms.SpaceSocketIO, e.Rooms, e.Except, id, pkt, nil)
	}
}

// announce sends a server event to peers, encoded once.
func (s *signaling) announce(ids []rooms.PeerID, event string, args ...any) {
	if len(ids) == 0 {
		return
	}
	s.peers.deliver(ids, encodeEvent(event, args...), nil)
}

// encodeEvent encodes a server event with encoding/json.
func encodeEvent(event string, args ...any) []byte {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		panic("server events are made of strings, maps and rooms' payload types: " + err.Error())
	}
	return append(sio.AppendHeader(nil, sio.Event, "", 0, sio.NoID), data...)
}

// ackNull is the ack of a success without a result: (null).
var ackNull = json.RawMessage("[null]")

// ok acks success: (null), or (null, result).
func (s *signaling) ok(c *client, ev *transport.Event, result any) {
	if ev.AckID == transport.NoAck {
		return
	}
	if result == nil {
		c.socket().Ack(ev.AckID, ackNull)
		return
	}
	data, _ := json.Marshal([]any{nil, result})
	c.socket().Ack(ev.AckID, data)
}

// fail acks a refusal: ({code, message}).
func (s *signaling) fail(c *client, ev *transport.Event, err *rooms.Error) {
	s.stats.refused(err.Code)
	if ev.AckID == transport.NoAck {
		return
	}
	c.socket().Ack(ev.AckID, errorAck(err))
}

// errorAck is a refusal's ack arguments: [{code, message}].
func errorAck(err *rooms.Error) json.RawMessage {
	data, _ := json.Marshal([]any{err})
	return data
}

// firstArg is an event's first argument, raw (nil without one).
func firstArg(ev *transport.Event) json.RawMessage {
	args := ev.Args
	arg, _ := args.Next()
	return arg
}

// requestedRoom is the room a client asks for at connect: auth.room
// (socket.io 3+), or the room query parameter (any version).
func requestedRoom(auth json.RawMessage, hs *transport.Handshake) string {
	if auth != nil {
		var a struct {
			Room any `json:"room"`
		}
		if json.Unmarshal(auth, &a) == nil {
			if room, ok := a.Room.(string); ok && room != "" {
				return room
			}
		}
	}
	return hs.Query().Get("room")
}
