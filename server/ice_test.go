package server

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/rooms"
)

// The ICE servers a page is handed: static ones, and TURN servers with a
// credential of the peer's own, at connect, in joins, on request, and
// again before the credential expires.

const testTURNSecret = "north-wind"

var testTURNURLs = []string{"turn:127.0.0.1:3478?transport=udp", "turns:turn.example.com:5349"}

// withTURN configures a STUN server and TURN credentials of ttl.
func withTURN(ttl time.Duration) func(*Config) {
	return func(c *Config) {
		c.ICEServers = rooms.ICEServers{{URLs: []string{"stun:stun.example.com:3478"}}}
		c.TURN = TURN{URLs: testTURNURLs, Secret: testTURNSecret, TTL: ttl}
	}
}

// connectICE opens the main namespace and returns the TURN servers of the
// turnservers event that every socket gets as it connects.
func (c *testClient) connectICE() rooms.ICEServers {
	c.t.Helper()
	return c.connectICEWith(nil)
}

// connectICEWith is connectICE with auth (nil for none).
func (c *testClient) connectICEWith(auth any) rooms.ICEServers {
	c.t.Helper()
	c.openNamespace(auth)
	wantJSONArgs(c.t, "stunservers", c.want(rooms.EventStunServers),
		[]any{map[string]any{"urls": []any{"stun:stun.example.com:3478"}}})
	var turn rooms.ICEServers
	decodeArg(c.t, c.want(rooms.EventTurnServers), 0, &turn)
	return turn
}

func decodeArg(t *testing.T, args []json.RawMessage, i int, v any) {
	t.Helper()
	if i >= len(args) {
		t.Fatalf("arguments %s have no argument %d", args, i)
	}
	if err := json.Unmarshal(args[i], v); err != nil {
		t.Fatalf("argument %s: %v", args[i], err)
	}
}

// iceServersOf decodes {iceServers} from an event's or ack's argument.
func iceServersOf(t *testing.T, raw json.RawMessage) rooms.ICEServers {
	t.Helper()
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil || len(body) != 1 || body["iceServers"] == nil {
		t.Fatalf("%s is not {iceServers}", raw)
	}
	var servers rooms.ICEServers
	if err := json.Unmarshal(body["iceServers"], &servers); err != nil {
		t.Fatal(err)
	}
	return servers
}

// wantTURNCredential checks one TURN server as handed to peer: the
// configured URLs, a username "<expiry>:<peer>" whose expiry is ttl after
// a moment between from and to (rounded up to the second), and the
// password coturn derives from it.
func wantTURNCredential(t *testing.T, s rooms.ICEServer, peer string, ttl time.Duration, from, to time.Time) (expiry time.Time) {
	t.Helper()
	if !slices.Equal(s.URLs, testTURNURLs) {
		t.Errorf("TURN urls = %q, want %q", s.URLs, testTURNURLs)
	}
	stamp, user, ok := strings.Cut(s.Username, ":")
	if !ok || user != peer {
		t.Fatalf("TURN username %q, want <expiry>:%s", s.Username, peer)
	}
	sec, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		t.Fatalf("TURN username %q: expiry %v", s.Username, err)
	}
	expiry = time.Unix(sec, 0)
	if earliest, latest := turnExpiry(from, ttl), turnExpiry(to, ttl); expiry.Before(earliest) || expiry.After(latest) {
		t.Errorf("TURN expiry %d, want from %d to %d", sec, earliest.Unix(), latest.Unix())
	}
	if _, want := turnCredential([]byte(testTURNSecret), peer, expiry); s.Credential != want {
		t.Errorf("TURN credential %q for %q, want %q", s.Credential, s.Username, want)
	}
	return expiry
}

// splitICE separates the static STUN server, which must come first, from
// the one TURN server.
func splitICE(t *testing.T, servers rooms.ICEServers) rooms.ICEServer {
	t.Helper()
	if len(servers) != 2 || !slices.Equal(servers[0].URLs, []string{"stun:stun.example.com:3478"}) ||
		servers[0].Username != "" || servers[0].Credential != "" {
		t.Fatalf("ICE servers %+v, want the static STUN server, then one TURN server", servers)
	}
	return servers[1]
}

func TestTURNCredentialsEverywhere(t *testing.T) {
	n := newTestNode(t, withTURN(time.Hour))
	before := time.Now()
	a := n.dial(t, "a", "")
	turn := a.connectICE()
	if len(turn) != 1 {
		t.Fatalf("turnservers %+v, want one TURN server", turn)
	}
	wantTURNCredential(t, turn[0], a.id, time.Hour, before, time.Now())

	// The join ack.
	{
		from := time.Now()
		res := a.call(rooms.EventJoin, "r")
		if string(res[0]) != "null" || len(res) != 2 {
			t.Fatalf("join ack %s", res)
		}
		var ack struct {
			ICEServers rooms.ICEServers `json:"iceServers"`
		}
		decodeArg(t, res, 1, &ack)
		wantTURNCredential(t, splitICE(t, ack.ICEServers), a.id, time.Hour, from, time.Now())
	}
	// joined, for a handshake room.
	{
		from := time.Now()
		b := n.dial(t, "b", "room=r")
		b.connectICE()
		var joined struct {
			ICEServers rooms.ICEServers `json:"iceServers"`
		}
		decodeArg(t, b.want(rooms.EventJoined), 0, &joined)
		wantTURNCredential(t, splitICE(t, joined.ICEServers), b.id, time.Hour, from, time.Now())
		a.want(rooms.EventPeerJoined)
	}
	// The ice-servers ack.
	{
		from := time.Now()
		res := a.call(rooms.EventICEServers)
		if len(res) != 2 || string(res[0]) != "null" {
			t.Fatalf("ice-servers ack %s, want (null, {iceServers})", res)
		}
		wantTURNCredential(t, splitICE(t, iceServersOf(t, res[1])), a.id, time.Hour, from, time.Now())
	}
	// ice-servers without an ack: the answer is an event.
	{
		from := time.Now()
		a.emit(rooms.EventICEServers)
		args := a.want(rooms.EventICEServers)
		wantTURNCredential(t, splitICE(t, iceServersOf(t, args[0])), a.id, time.Hour, from, time.Now())
	}
	a.quiet()
}

// TestICEServersAckWithoutTURN: the request works without TURN too, with
// the static servers, or none.
func TestICEServersAckWithoutTURN(t *testing.T) {
	none := newTestNode(t, nil).join(t, "a")
	wantJSONArgs(t, "ice-servers ack", none.call(rooms.EventICEServers), nil, map[string]any{"iceServers": []any{}})

	static := newTestNode(t, func(c *Config) {
		c.ICEServers = rooms.ICEServers{{URLs: []string{"turn:t.example.com"}, Username: "u", Credential: "c"}}
	}).join(t, "b")
	wantJSONArgs(t, "ice-servers ack", static.call(rooms.EventICEServers), nil, map[string]any{"iceServers": []any{
		map[string]any{"urls": []any{"turn:t.example.com"}, "username": "u", "credential": "c"},
	}})
}

// TestICEServersIsNotRelayed: a page cannot send another page ice-servers
// of its choosing.
func TestICEServersIsNotRelayed(t *testing.T) {
	n := newTestNode(t, nil)
	a := n.join(t, "a")
	b := n.join(t, "b")
	a.want(rooms.EventPeerJoined)
	b.call(rooms.EventICEServers, map[string]any{"iceServers": []any{map[string]any{"urls": "turn:evil.example.com"}}})
	a.quiet()
}

// TestTURNRefresh: a connected page gets fresh credentials when three
// quarters of the TTL have passed, and again three quarters of a TTL
// later, each valid for a TTL from when it was sent.
func TestTURNRefresh(t *testing.T) {
	const ttl = MinTURNTTL // refreshes every 3 s
	every := turnRefreshInterval(ttl)
	// The delivery of a timer's event may lag on a loaded machine; it may
	// never come early.
	const lag = 2 * time.Second
	n := newTestNode(t, withTURN(ttl))
	a := n.dial(t, "a", "")
	connected := time.Now()
	first := wantTURNCredential(t, a.connectICE()[0], a.id, ttl, connected.Add(-time.Second), time.Now())

	var last time.Time
	for i := 1; i <= 2; i++ {
		p := a.take("refreshed ice-servers", func(p packet) bool { return p.event() == rooms.EventICEServers })
		got := time.Now()
		due := connected.Add(time.Duration(i) * every)
		if got.Before(due) || got.After(due.Add(lag)) {
			t.Errorf("refresh %d came %v after connecting, want %v (up to %v later)", i, got.Sub(connected), due.Sub(connected), lag)
		}
		expiry := wantTURNCredential(t, splitICE(t, iceServersOf(t, p.args(t)[0])), a.id, ttl, due, got)
		if !expiry.After(first) || !expiry.After(last) {
			t.Errorf("refresh %d expires at %v, not after the credentials before it (%v, %v)", i, expiry.Unix(), first.Unix(), last.Unix())
		}
		last = expiry
	}
}

// TestTURNRefreshStopsWhenThePeerLeaves: the one timer of a client is
// stopped when it disconnects, and no refresh follows.
func TestTURNRefreshStopsWhenThePeerLeaves(t *testing.T) {
	n := newTestNode(t, withTURN(time.Hour))
	a := n.join(t, "a")
	c := n.client(t, a.id)
	c.mu.Lock()
	timer := c.iceRefresh
	c.mu.Unlock()
	if timer == nil {
		t.Fatal("a connected client with TURN has no refresh timer")
	}
	a.conn.Close()
	deadline := time.Now().Add(packetTimeout)
	for {
		c.mu.Lock()
		gone, stopped := c.gone, c.iceRefresh == nil
		c.mu.Unlock()
		if gone && stopped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the disconnect: gone %v, refresh timer stopped %v", gone, stopped)
		}
		time.Sleep(10 * time.Millisecond) // polling the client's state
	}
	if timer.Stop() {
		t.Error("the refresh timer was still running after the client left")
	}
}

// TestNoRefreshTimerWithoutTURN: static servers never expire, so nothing
// is scheduled for them.
func TestNoRefreshTimerWithoutTURN(t *testing.T) {
	n := newTestNode(t, func(c *Config) { c.ICEServers = rooms.ICEServers{{URLs: []string{"stun:s"}}} })
	a := n.join(t, "a")
	c := n.client(t, a.id)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.iceRefresh != nil {
		t.Error("a client without TURN has a refresh timer")
	}
}

// client is the server's side of a connected test client.
func (n *testNode) client(t *testing.T, id string) *client {
	t.Helper()
	n.srv.sig.peers.mu.RLock()
	defer n.srv.sig.peers.mu.RUnlock()
	c, ok := n.srv.sig.peers.peers[rooms.PeerID(id)].(*client)
	if !ok {
		t.Fatalf("no client %s in the directory", id)
	}
	return c
}

// TestTURNOnlyForPeersInAPrivateRoom: with private rooms, a socket in no
// room gets no TURN credentials, at connect or on request; once a token
// lets it into a room it does, and after it leaves every room it does not
// any more.
func TestTURNOnlyForPeersInAPrivateRoom(t *testing.T) {
	n := newTestNode(t, func(c *Config) {
		withTURN(time.Hour)(c)
		c.RoomTokens.Secret = testSecret
		c.Rooms.DefaultRoom = ""
	})
	staticOnly := []any{map[string]any{"urls": []any{"stun:stun.example.com:3478"}}}

	stranger := n.dial(t, "stranger", "")
	if turn := stranger.connectICE(); len(turn) != 0 {
		t.Fatalf("a socket in no private room got turnservers %+v, want none", turn)
	}
	wantJSONArgs(t, "ice-servers ack in no room", stranger.call(rooms.EventICEServers), nil, map[string]any{"iceServers": staticOnly})

	from := time.Now()
	member := n.dial(t, "member", "")
	turn := member.connectICEWith(map[string]any{"room": "physics", "token": tokenFor(t, "physics", 0)})
	if len(turn) != 1 {
		t.Fatalf("a member of a private room got turnservers %+v, want one TURN server", turn)
	}
	wantTURNCredential(t, turn[0], member.id, time.Hour, from, time.Now())
	var joined struct {
		ICEServers rooms.ICEServers `json:"iceServers"`
	}
	decodeArg(t, member.want(rooms.EventJoined), 0, &joined)
	wantTURNCredential(t, splitICE(t, joined.ICEServers), member.id, time.Hour, from, time.Now())

	// The stranger gets a token and joins: now it has credentials.
	from = time.Now()
	res := stranger.call(rooms.EventJoin, map[string]any{"room": "physics", "token": tokenFor(t, "physics", 0)})
	var ack struct {
		ICEServers rooms.ICEServers `json:"iceServers"`
	}
	decodeArg(t, res, 1, &ack)
	wantTURNCredential(t, splitICE(t, ack.ICEServers), stranger.id, time.Hour, from, time.Now())
	res = stranger.call(rooms.EventICEServers)
	wantTURNCredential(t, splitICE(t, iceServersOf(t, res[1])), stranger.id, time.Hour, from, time.Now())

	// The member leaves its room: no more credentials.
	member.want(rooms.EventPeerJoined)
	wantOK(t, member.call(rooms.EventLeave))
	wantJSONArgs(t, "ice-servers ack after leaving", member.call(rooms.EventICEServers), nil, map[string]any{"iceServers": staticOnly})
}

// TestAdoptedClientGetsFreshCredentials: a client that another node hands
// over gets fresh credentials at once, since its refresh timer stayed on
// the old node, and a timer on its new one.
func TestAdoptedClientGetsFreshCredentials(t *testing.T) {
	n := newTestNode(t, withTURN(time.Hour))
	a := n.join(t, "a")
	c := n.client(t, a.id)
	c.stopICERefresh() // as on the new node, which has no timer for it yet
	from := time.Now()
	n.srv.sig.adoptICE(c)
	args := a.want(rooms.EventICEServers)
	wantTURNCredential(t, splitICE(t, iceServersOf(t, args[0])), a.id, time.Hour, from, time.Now())
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.iceRefresh == nil {
		t.Error("an adopted client has no refresh timer")
	}
}
