package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// Leak guards: sessions that come and go must give back their goroutines,
// timers, file descriptors and memory, and promptly.
const (
	// leakSessions is how many sessions the leak test opens and closes.
	leakSessions = 300
	// releaseTimeout is how soon after its client closes a session must
	// have given everything back. Closing is a handful of goroutines
	// finishing; a second leaves room for a busy machine and nothing for a
	// timer or a read deadline to expire first.
	releaseTimeout = time.Second
	// releaseSlack is the goroutines and descriptors that may come and go
	// for reasons of their own (the HTTP server's connection to the
	// reader of these numbers, runtime workers). A leak of one per
	// session, or per 50, is far above it.
	releaseSlack = 5
	// heapSlackPerSession bounds the heap a closed session may leave behind
	// after GC: what a session holds (its connection, buffers and state)
	// is several KB, so sessions kept alive by a forgotten timer or map
	// entry show.
	heapSlackPerSession = 2 << 10
	// leakSlack is what the soak allows the goroutines and descriptors to
	// end above where they started.
	leakSlack = 25
	// settleTimeout bounds how long the soak's released resources, and the
	// phantom test's counts, may take to show.
	settleTimeout = 20 * time.Second
)

// sessionEnding is one way a client can end a session.
type sessionEnding struct {
	name string
	run  func(t *testing.T, s *server, i int)
}

// sessionEndings cover every path by which a session ends: a websocket
// closed with a close frame, one whose TCP connection just drops, a polling
// session that sends its close packet, and one upgraded to a websocket
// before it closes. Each joins the room of the test's resident and relays
// to it, so the resident's writer comes and goes too.
var sessionEndings = []sessionEnding{
	{"websocket, close frame", func(t *testing.T, s *server, i int) {
		conn := eagerSocket(t, s)
		joinAndRelay(t, conn, i)
		closeFrame(conn)
	}},
	{"websocket, dropped", func(t *testing.T, s *server, i int) {
		conn := eagerSocket(t, s)
		joinAndRelay(t, conn, i)
		conn.Close()
	}},
	{"polling, close packet", func(t *testing.T, s *server, i int) {
		p := openPolling(t, s)
		p.post(t, "40")
		if got := p.poll(t); !strings.HasPrefix(got[0], "40") {
			t.Fatalf("namespace connect answered %q", got)
		}
		p.post(t, `42["join","churn"]`, fmt.Sprintf(`42["ice",{"n":%d}]`, i))
		p.post(t, "1")
	}},
	{"polling upgraded to websocket", func(t *testing.T, s *server, i int) {
		p := openPolling(t, s)
		conn := p.upgrade(t, s)
		send(t, conn, "40")
		if err := awaitNamespace(conn); err != nil {
			t.Fatal(err)
		}
		joinAndRelay(t, conn, i)
		closeFrame(conn)
	}},
}

func joinAndRelay(t *testing.T, conn *websocket.Conn, i int) {
	t.Helper()
	send(t, conn, `42["join","churn"]`)
	send(t, conn, fmt.Sprintf(`42["ice",{"n":%d}]`, i))
}

// A closed session frees its goroutines, timers and socket within a second
// of its client's close: goroutines and descriptors are back where they
// were, no connection is left in CLOSE_WAIT, and the heap after GC holds no
// session (a timer left running would keep its session reachable).
func TestClosedSessionsFreeEverythingWithinASecond(t *testing.T) {
	t.Parallel()
	// Without garbage collections of its own, the server cannot have a
	// connection it forgot closed by the connection's finalizer.
	// Recovery off: dropped sockets would otherwise be kept for its window
	// (its own tests cover that they go too).
	s := roomcasttest.StartWithEnv(t, productionBin, []string{"GOGC=off"},
		append(manyClients, "--debug-endpoints", "--recovery-window", "0")...)
	before := s.Runtime(t)

	resident := rawSocket(t, s)
	send(t, resident, `42["join","churn"]`)
	residentDone := make(chan struct{})
	go func() { // reads everything relayed to it, until closed
		defer close(residentDone)
		for {
			if _, _, err := resident.ReadMessage(); err != nil {
				return
			}
		}
	}()
	for i := 0; i < leakSessions; i++ {
		sessionEndings[i%len(sessionEndings)].run(t, s, i)
	}
	closeFrame(resident)
	<-residentDone
	lastClose := time.Now()

	released := func(r roomcasttest.Runtime, closeWait int) bool {
		return r.Goroutines <= before.Goroutines+releaseSlack && r.OpenFDs <= before.OpenFDs+releaseSlack && closeWait == 0
	}
	var after roomcasttest.Runtime
	var closeWait int
	for {
		// Without a GC, which would close forgotten connections for the
		// server.
		after, closeWait = s.RuntimeWithoutGC(t), s.CloseWait(t)
		if released(after, closeWait) || time.Since(lastClose) > releaseTimeout {
			break
		}
		<-time.After(10 * time.Millisecond)
	}
	took := time.Since(lastClose)
	t.Logf("before %+v; %v after the last of %d sessions closed: %+v, %d in CLOSE_WAIT", before, took.Round(time.Millisecond), leakSessions, after, closeWait)
	if !released(after, closeWait) {
		t.Errorf("%v after the last close: goroutines %d → %d, descriptors %d → %d, %d connections in CLOSE_WAIT\n%s",
			releaseTimeout, before.Goroutines, after.Goroutines, before.OpenFDs, after.OpenFDs, closeWait, s.GoroutineStacks(t))
	}
	heap := s.Runtime(t).HeapAlloc
	t.Logf("heap after GC: %d KB before, %d KB after", before.HeapAlloc>>10, heap>>10)
	if grown := int64(heap) - int64(before.HeapAlloc); grown > leakSessions*heapSlackPerSession {
		t.Errorf("heap after GC grew by %d KB over %d closed sessions, more than %d bytes each", grown>>10, leakSessions, heapSlackPerSession)
	}
	if r := s.Readiness(t); !isEmpty(r) {
		t.Errorf("readyz %+v after every session closed, want nothing in use", r)
	}
}
