package transport

import (
	"runtime"
	"testing"
	"time"
)

// leakRounds is how many times the leak test runs each kind of session.
const leakRounds = 10

// TestNoLeaks runs sessions of every kind to their end (client and server
// closes, both transports and versions, upgrades, abandoned probes) and
// then requires the goroutines back at their baseline and the sid table
// empty.
func TestNoLeaks(t *testing.T) {
	ts := newTestServer(t)
	baseline := runtime.NumGoroutine()

	lives := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"polling, client close", func(t *testing.T) {
			c := ts.openPolling(t, variants[0])
			p := ts.connect(t, c, variants[0], "")
			c.send(t, txt(`42["echo",1]`))
			expect(t, c, txt(`42["echo",1]`))
			c.send(t, txt("1"))
			p.waitDisconnect(t)
		}},
		{"v3 polling, pending GET, server close", func(t *testing.T) {
			c := ts.openPolling(t, variants[2])
			p := ts.connect(t, c, variants[2], "")
			done := make(chan response, 1)
			go func() { done <- c.poll(t) }()
			ts.waitPollPending(t, c.sid())
			p.sock.Close(ReasonClosedByApplication)
			<-done
			p.waitDisconnect(t)
		}},
		{"websocket, client close packet", func(t *testing.T) {
			c := ts.openWS(t, variants[1])
			p := ts.connect(t, c, variants[1], "")
			c.send(t, txt("1"))
			c.waitClosed(t)
			c.c.Close()
			p.waitDisconnect(t)
		}},
		{"v3 websocket, client goes away", func(t *testing.T) {
			c := ts.openWS(t, variants[4])
			p := ts.connect(t, c, variants[4], "")
			c.c.Close()
			p.waitDisconnect(t)
		}},
		{"websocket, server disconnect", func(t *testing.T) {
			c := ts.openWS(t, variants[1])
			p := ts.connect(t, c, variants[1], "")
			c.send(t, txt(`42["bye"]`))
			p.nextEvent(t)
			c.waitClosed(t)
			c.c.Close()
			p.waitDisconnect(t)
		}},
		{"upgrade, then close", func(t *testing.T) {
			c := ts.openPolling(t, variants[0])
			p := ts.connect(t, c, variants[0], "")
			ws := probe(t, ts, c)
			ws.send(t, txt("5"), txt(`42["echo",2]`))
			expect(t, ws, txt(`42["echo",2]`))
			p.nextEvent(t)
			ws.c.Close()
			p.waitDisconnect(t)
		}},
		{"abandoned probe, then polling close", func(t *testing.T) {
			c := ts.openPolling(t, variants[2])
			p := ts.connect(t, c, variants[2], "")
			ws := probe(t, ts, c)
			ws.c.Close()
			waitUntil(t, "the probe is dropped", func() bool {
				return ts.sessionState(c.sid(), func(s *session) bool { return s.probe == nil })
			})
			c.send(t, txt("1"))
			p.waitDisconnect(t)
		}},
		{"never connected", func(t *testing.T) {
			c := ts.openPolling(t, variants[0])
			c.send(t, txt("1"))
			c.waitClosed(t)
		}},
		{"malformed input", func(t *testing.T) {
			c := ts.openWS(t, variants[1])
			p := ts.connect(t, c, variants[1], "")
			c.send(t, txt(`451-["x"]`), txt("42[]"))
			c.waitClosed(t)
			c.c.Close()
			p.waitDisconnect(t)
		}},
	}
	for range leakRounds {
		for _, l := range lives {
			l.run(t)
		}
	}

	ts.client.CloseIdleConnections()
	waitUntil(t, "the sid table is empty", func() bool { return ts.sessionCount() == 0 && ts.srv.Stats().Sessions() == 0 })
	deadline := time.Now().Add(waitTimeout)
	for n := runtime.NumGoroutine(); n > baseline; n = runtime.NumGoroutine() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before the sessions:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
		}
		ts.client.CloseIdleConnections()
		time.Sleep(5 * time.Millisecond) // polling the count, with a deadline
	}
	st := ts.srv.Stats()
	if st.V3 != 0 || st.V4 != 0 || st.Polling != 0 || st.Websocket != 0 || len(st.Open) != 4 {
		t.Fatalf("Stats() = %+v after every session ended", st)
	}
	for _, o := range st.Open {
		if o.Count != 0 {
			t.Fatalf("Stats().Open = %+v after every session ended", st.Open)
		}
	}
}
