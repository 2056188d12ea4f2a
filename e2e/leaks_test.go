package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// Leak guards: sessions that come and go must give back their goroutines,
// file descriptors and memory.
const (
	// leakSessions is how many sessions each leak test opens and closes.
	leakSessions = 300
	// leakSlack is the goroutines and descriptors the runtime and the HTTP
	// server may hold on to for reasons of their own (idle keep-alive
	// connections, pools); a leak of one per session is far above it.
	leakSlack = 25
	// heapSlackPerSession bounds the heap a closed session may leave behind
	// after GC: a leaked client with its buffers is 25 KB or more.
	heapSlackPerSession = 2 << 10
	// settleTimeout bounds how long released resources may take to show.
	settleTimeout = 20 * time.Second
	// closeWaitTimeout bounds how long the server may take to close a
	// connection its client closed. Without a GC, a forgotten one stays
	// open for minutes.
	closeWaitTimeout = 5 * time.Second
)

// churn opens and closes leakSessions websocket sessions that each join a
// room and relay one event. They connect eagerly, sending the namespace
// connect before the open packet arrives, as a client on a fast link can:
// that is when the library's connect timer is cleared soonest. Every other
// session closes with a close frame; the others drop the TCP connection.
func churn(t *testing.T, s *server) {
	t.Helper()
	for i := 0; i < leakSessions; i++ {
		conn := eagerSocket(t, s)
		send(t, conn, `42["join","churn"]`)
		send(t, conn, fmt.Sprintf(`42["ice",{"n":%d}]`, i))
		if i%2 == 0 {
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		}
		conn.Close()
	}
}

// eagerSocket dials and sends "40" at once, then waits for the answer.
func eagerSocket(t *testing.T, s *server) *websocket.Conn {
	t.Helper()
	conn, err := dialRaw(t, s, 4, "")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	send(t, conn, "40")
	if err := awaitNamespace(conn); err != nil {
		t.Fatal(err)
	}
	return conn
}

func send(t *testing.T, conn *websocket.Conn, frame string) {
	t.Helper()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatalf("send %s: %v", frame, err)
	}
}

// A client that closes its websocket used to leave a goroutine, ~25 KB and
// the TCP socket (CLOSE_WAIT) behind: the engine marked the transport closed
// before closing it, so its writer and connection were never released.
func TestClosedWebsocketsLeaveNothingBehind(t *testing.T) {
	t.Parallel()
	s := startProductionServer(t, "--debug-endpoints")
	before := s.Runtime(t)
	churn(t, s)
	// First the TCP connections, before anything forces a GC.
	deadline := time.Now().Add(closeWaitTimeout)
	for s.CloseWait(t) > 0 && time.Now().Before(deadline) {
		<-time.After(50 * time.Millisecond)
	}
	if n := s.CloseWait(t); n > 0 {
		t.Errorf("%d connections closed by their clients are still open on the server (CLOSE_WAIT)", n)
	}
	after := s.WaitRuntime(t, settleTimeout, func(r roomcasttest.Runtime) bool {
		return r.Goroutines <= before.Goroutines+leakSlack && r.OpenFDs <= before.OpenFDs+leakSlack
	})
	t.Logf("before %+v, after %d sessions %+v", before, leakSessions, after)
	if after.Goroutines > before.Goroutines+leakSlack {
		t.Errorf("goroutines %d → %d after %d closed sessions", before.Goroutines, after.Goroutines, leakSessions)
	}
	if after.OpenFDs > before.OpenFDs+leakSlack {
		t.Errorf("open descriptors %d → %d after %d closed sessions", before.OpenFDs, after.OpenFDs, leakSessions)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > leakSessions*heapSlackPerSession {
		t.Errorf("heap grew by %d KB after %d closed sessions", grown>>10, leakSessions)
	}
}

// timerLeakBound is the share of sessions allowed to leak a library timer
// goroutine. The library's timer parks its goroutine forever when it is
// stopped before that goroutine first runs; roomcast cannot reach the timer,
// only make that order unlikely for the connect timeout (server/socketio.go).
// Measured on 2 cores: about 2 % of sessions that close right after
// connecting, against 23 % without the mitigation (docs/known-issues.md).
const timerLeakBound = 0.06

func TestTimerLeakStaysUnderMeasuredBound(t *testing.T) {
	t.Parallel()
	s := startProductionServer(t, "--debug-endpoints")
	before := s.Runtime(t)
	churn(t, s)
	limit := before.ParkedTimers + int(timerLeakBound*leakSessions)
	after := s.WaitRuntime(t, settleTimeout, func(r roomcasttest.Runtime) bool { return r.ParkedTimers <= limit })
	t.Logf("parked library timers: %d before, %d after %d sessions (%.1f %%)", before.ParkedTimers, after.ParkedTimers,
		leakSessions, 100*float64(after.ParkedTimers-before.ParkedTimers)/leakSessions)
	if after.ParkedTimers > limit {
		t.Fatalf("%d library timer goroutines after %d closed sessions, the bound is %d", after.ParkedTimers, leakSessions, limit)
	}
}

// phantomSessions is how many join-then-drop sessions the phantom test runs.
// Measured on 2 cores with a race-built server, the unguarded one kept a
// phantom member, room and transport rooms about once per 2,000 sessions, so
// a regression fails this test in about 86 % of runs.
const phantomSessions = 4000

// readiness is the part of /readyz the phantom test reads.
type readiness struct {
	Peers          int `json:"peers"`
	Rooms          int `json:"rooms"`
	TransportRooms int `json:"transport_rooms"`
}

func readyz(t *testing.T, s *server) readiness {
	t.Helper()
	var r readiness
	_, body := get(t, s, "/readyz")
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/readyz %s: %v", body, err)
	}
	return r
}

// A join racing its socket's disconnect, or a connect racing the connection's
// close, used to leave rooms with no live member, sockets that stayed
// "connected" forever, and peers in the lists of others. Once every session
// is gone, nothing may remain: not in roomcast's registry, not in the
// transport's rooms.
func TestJoinRacingDisconnectLeavesNoPhantoms(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	url := fmt.Sprintf("ws://%s/socket.io/?EIO=4&transport=websocket", s.Addr)
	const workers = 4
	done := make(chan struct{}, workers)
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := w; i < phantomSessions; i += workers {
				conn, _, err := websocket.DefaultDialer.Dial(url, nil)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				// Namespace connect and join in one burst, then drop the
				// connection without waiting for anything.
				_ = conn.WriteMessage(websocket.TextMessage, []byte("40"))
				if i%3 != 0 {
					_ = conn.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`42["join","room-%d"]`, i%7)))
				}
				conn.Close()
			}
		}()
	}
	for w := 0; w < workers; w++ {
		<-done
	}
	deadline := time.Now().Add(settleTimeout)
	var r readiness
	for tick := time.NewTicker(100 * time.Millisecond); ; <-tick.C {
		if r = readyz(t, s); r == (readiness{}) || time.Now().After(deadline) {
			tick.Stop()
			break
		}
	}
	if r != (readiness{}) {
		t.Fatalf("after %d join-then-drop sessions: %+v, want nothing left", phantomSessions, r)
	}
}
