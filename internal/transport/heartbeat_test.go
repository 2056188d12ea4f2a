package transport

import (
	"testing"
	"time"
)

// pongRounds is how many ping/pong rounds the heartbeat tests run: more
// than fit in one ping interval plus timeout, so the session survives only
// if every pong counts.
const pongRounds = 6

// TestServerPingsVersion4: the server pings every PingInterval and the
// client's pongs keep the session alive past PingInterval + PingTimeout.
func TestServerPingsVersion4(t *testing.T) {
	for _, v := range []variant{variants[0], variants[1]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.PingInterval, c.PingTimeout = 100*time.Millisecond, 400*time.Millisecond })
			c := ts.open(t, v)
			start := time.Now()
			for range pongRounds {
				expect(t, c, txt("2"))
				c.send(t, txt("3"))
			}
			if elapsed := time.Since(start); elapsed < 500*time.Millisecond {
				t.Fatalf("%d pings came in %v, faster than the interval", pongRounds, elapsed)
			}
			c.send(t, txt("40"))
			ts.connectAnswer(t, c)
		})
	}
}

// TestPingTimeoutVersion4: a client that does not answer the ping is
// closed; over polling a pending GET learns it from a close packet.
func TestPingTimeoutVersion4(t *testing.T) {
	for _, v := range []variant{variants[0], variants[1]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.PingInterval, c.PingTimeout = 50*time.Millisecond, 50*time.Millisecond })
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			expect(t, c, txt("2"))
			if pc, ok := c.(*pollClient); ok {
				expect(t, pc, txt("1"))
			}
			c.waitClosed(t)
			if reason := p.waitDisconnect(t); reason != ReasonPingTimeout {
				t.Fatalf("Disconnect reason %q, want %q", reason, ReasonPingTimeout)
			}
		})
	}
}

// TestClientPingsVersion3: version 3 clients ping; the server answers with
// a pong carrying the ping's data, and never pings itself.
func TestClientPingsVersion3(t *testing.T) {
	for _, v := range []variant{variants[2], variants[3], variants[4]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.PingInterval, c.PingTimeout = 50*time.Millisecond, 200*time.Millisecond })
			c := ts.open(t, v)
			ts.connect(t, c, v, "")
			// The client's own ping interval, as socket.io-client 2.x keeps it.
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			start := time.Now()
			for range pongRounds {
				c.send(t, txt("2"))
				expect(t, c, txt("3"))
				<-tick.C
			}
			if time.Since(start) < 250*time.Millisecond {
				t.Fatal("the rounds were too fast to prove anything")
			}
			c.send(t, txt("2probe"))
			expect(t, c, txt("3probe"))
		})
	}
}

// TestPingTimeoutVersion3: a version 3 client that stops pinging is closed
// after PingInterval + PingTimeout.
func TestPingTimeoutVersion3(t *testing.T) {
	for _, v := range []variant{variants[2], variants[4]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.PingInterval, c.PingTimeout = 50*time.Millisecond, 50*time.Millisecond })
			c := ts.open(t, v)
			p := ts.connect(t, c, v, "")
			if pc, ok := c.(*pollClient); ok {
				expect(t, pc, txt("1")) // the pending GET learns of the close
			}
			c.waitClosed(t)
			if reason := p.waitDisconnect(t); reason != ReasonPingTimeout {
				t.Fatalf("Disconnect reason %q, want %q", reason, ReasonPingTimeout)
			}
		})
	}
}

// TestConnectTimeout: a session whose client never opens the namespace is
// closed and counted as a stalled connect.
func TestConnectTimeout(t *testing.T) {
	for _, v := range []variant{variants[0], variants[1]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.ConnectTimeout = 50 * time.Millisecond })
			c := ts.open(t, v)
			c.waitClosed(t)
			waitUntil(t, "the stalled connect is counted", func() bool { return ts.srv.Stats().StalledConnects == 1 })
			if ts.sessionCount() != 0 {
				t.Fatal("the sid table still holds the session")
			}
		})
	}
}

// TestConnectTimeoutStopsAtConnect: ConnectTimeout applies only until the
// namespace is opened: the session echoes events for three timeouts.
func TestConnectTimeoutStopsAtConnect(t *testing.T) {
	const timeout = 50 * time.Millisecond
	ts := newTestServer(t, func(c *Config) { c.ConnectTimeout = timeout })
	c := ts.openPolling(t, variants[0])
	p := ts.connect(t, c, variants[0], "")
	for start := time.Now(); time.Since(start) < 3*timeout; {
		c.send(t, txt(`42["echo","alive"]`))
		expect(t, c, txt(`42["echo","alive"]`))
		p.nextEvent(t)
	}
	if st := ts.srv.Stats(); st.StalledConnects != 0 || st.Sessions() != 1 {
		t.Fatalf("Stats() = %+v, want the session open", st)
	}
}
