package server

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/roomcast/roomcast/rooms"
)

// recoverableConnect opens the main namespace with auth and returns the
// connect answer's {sid, pid}.
func (c *testClient) recoverableConnect(auth map[string]any) (sid, pid string) {
	c.t.Helper()
	c.send("40" + mustJSON(c.t, auth))
	p := c.next()
	var answer struct{ SID, PID string }
	if p.kind != '0' || json.Unmarshal(p.data, &answer) != nil || answer.SID == "" || answer.PID == "" {
		c.t.Fatalf("%s: connect answered %v, want a sid and a pid", c.name, p)
	}
	c.id = answer.SID
	return answer.SID, answer.PID
}

// waitSuspended polls until the client's state is suspended as wanted.
func waitSuspended(t *testing.T, c *client, want bool) {
	t.Helper()
	deadline := time.Now().Add(packetTimeout)
	for {
		c.mu.Lock()
		got := c.suspended
		c.mu.Unlock()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("client suspended = %v after %v, want %v", got, packetTimeout, want)
		}
		<-time.After(5 * time.Millisecond)
	}
}

// An expiry timer that fired just as its client came back waits for the
// lock resume holds, and runs after it: it must end nothing. Nor may the
// expiry of a suspension that is over end a later one.
func TestLateExpiryEndsNoResumedClient(t *testing.T) {
	n := newTestNode(t, func(c *Config) { c.Recovery = DefaultRecovery() })
	b := n.dial(t, "b", "")
	b.recoverableConnect(map[string]any{"room": "r"})
	a := n.dial(t, "a", "")
	sid, pid := a.recoverableConnect(map[string]any{"room": "r"})
	b.take("peer-joined", func(p packet) bool { return p.event() == rooms.EventPeerJoined })
	c := n.srv.sig.rec.lookup(pid)

	a.conn.Close() // dropped: no close frame
	waitSuspended(t, c, true)
	c.mu.Lock()
	first := c.suspensions
	c.mu.Unlock()

	back := n.dial(t, "a again", "")
	if got, _ := back.recoverableConnect(map[string]any{"room": "r", "pid": pid, "offset": ""}); got != sid {
		t.Fatalf("reconnected as %s, want %s", got, sid)
	}
	waitSuspended(t, c, false)
	n.srv.sig.expire(c, first) // the first suspension's timer, late

	back.conn.Close()
	waitSuspended(t, c, true)
	n.srv.sig.expire(c, first) // still late: a second suspension runs

	wantErrorAck(t, b.call(barrierEvent), rooms.CodeUnknownEvent)
	for _, p := range b.unread() {
		if p.event() == rooms.EventPeerLeft {
			t.Fatalf("b got %v: a late expiry ended a", p)
		}
	}
	c.mu.Lock()
	second, gone := c.suspensions, c.gone
	c.mu.Unlock()
	if gone {
		t.Fatal("a late expiry ended the client")
	}
	n.srv.sig.expire(c, second) // the current suspension's own timer
	b.take("peer-left", func(p packet) bool { return p.event() == rooms.EventPeerLeft })
}
