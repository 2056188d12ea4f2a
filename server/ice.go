package server

import (
	"time"

	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// iceSource hands each peer the ICE servers its page should use: the
// static ones, and, with TURN configured, the TURN servers with a
// credential of the peer's own.
type iceSource struct {
	static rooms.ICEServers
	// turnURLs and secret are set only with TURN configured.
	turnURLs []string
	secret   []byte
	ttl      time.Duration
}

// newICESource reads the TURN secret, if any, once: a secret file is read
// at start.
func newICESource(static rooms.ICEServers, turn TURN) (iceSource, error) {
	src := iceSource{static: static}
	if !turn.enabled() {
		return src, nil
	}
	secret, err := turn.secret()
	if err != nil {
		return src, err
	}
	src.turnURLs, src.secret, src.ttl = turn.URLs, secret, turn.TTL
	return src, nil
}

// servers returns the ICE servers for peer id (never nil), with TURN
// credentials valid for the TTL from now.
func (i iceSource) servers(id rooms.PeerID) rooms.ICEServers {
	if i.secret == nil {
		return i.staticServers()
	}
	username, password := turnCredential(i.secret, string(id), turnExpiry(time.Now(), i.ttl))
	out := make(rooms.ICEServers, 0, len(i.static)+1)
	out = append(out, i.static...)
	return append(out, rooms.ICEServer{URLs: i.turnURLs, Username: username, Credential: password})
}

// staticServers is the configured servers without TURN credentials (never
// nil).
func (i iceSource) staticServers() rooms.ICEServers {
	if i.static == nil {
		return rooms.ICEServers{}
	}
	return i.static
}

// expires reports whether the servers carry credentials that expire, and
// so must be refreshed.
func (i iceSource) expires() bool { return i.secret != nil }

// iceServersBody is the payload of ice-servers, as event and as ack
// result: {iceServers}.
type iceServersBody struct {
	ICEServers rooms.ICEServers `json:"iceServers"`
}

// iceFor is the ICE servers for peer id. With private rooms, TURN
// credentials go only to a peer that is in a room: one without a token for
// any could otherwise use the TURN server as a free relay.
func (s *signaling) iceFor(id rooms.PeerID) rooms.ICEServers {
	if s.ice.expires() && s.tokens != nil && len(s.registry.RoomsOf(id)) == 0 {
		return s.ice.staticServers()
	}
	return s.ice.servers(id)
}

// iceServers answers a page that asks for its ICE servers: acked
// (null, {iceServers}), or sent as an ice-servers event when the page asked
// without an ack.
func (s *signaling) iceServers(c *client, ev *transport.Event) {
	body := iceServersBody{ICEServers: s.iceFor(c.id)}
	if ev.AckID == transport.NoAck {
		s.announce([]rooms.PeerID{c.id}, rooms.EventICEServers, body)
		return
	}
	s.ok(c, ev, body)
}

// startICERefresh gives a newly connected client fresh TURN credentials
// every turnRefreshInterval for as long as it stays: one timer per client,
// stopped when it leaves (stopICERefresh). A recoverable client that is
// suspended keeps its timer, and gets what it missed when it comes back.
func (s *signaling) startICERefresh(c *client) {
	if !s.ice.expires() {
		return
	}
	every := turnRefreshInterval(s.ice.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone || c.iceRefresh != nil {
		return
	}
	c.iceRefresh = time.AfterFunc(every, func() { s.refreshICE(c, every) })
}

// refreshICE sends a client fresh credentials and sets its timer for the
// next ones, unless the client has left meanwhile.
func (s *signaling) refreshICE(c *client, every time.Duration) {
	s.sendICEServers(c)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.gone && c.iceRefresh != nil {
		c.iceRefresh.Reset(every)
	}
}

// sendICEServers sends a client an ice-servers event with fresh
// credentials. It goes through the directory, as any server event: a
// suspended client's copy is logged and counted against the recovery
// bounds.
func (s *signaling) sendICEServers(c *client) {
	s.announce([]rooms.PeerID{c.id}, rooms.EventICEServers, iceServersBody{ICEServers: s.iceFor(c.id)})
}

// adoptICE starts the refresh of a client another node handed over. Its
// timer stayed on that node, and the credentials it holds may be close to
// expiry: it gets fresh ones at once.
func (s *signaling) adoptICE(c *client) {
	if !s.ice.expires() {
		return
	}
	s.sendICEServers(c)
	s.startICERefresh(c)
}

// stopICERefresh stops the timer of a client that leaves, or that another
// node takes over. A refresh already running finds the timer gone and sets
// it no more.
func (c *client) stopICERefresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.iceRefresh != nil {
		c.iceRefresh.Stop()
		c.iceRefresh = nil
	}
}
