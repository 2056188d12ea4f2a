package e2e

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

var (
	soakDuration = flag.Duration("soak-duration", 10*time.Second,
		"How long TestSoakChurn churns sessions; `go tool task soak` runs it for 30m.")
	soakReport = flag.String("soak-report", "",
		"Write TestSoakChurn's samples as Markdown to this file.")
)

// Soak shape: a steady population of peers that stay, and workers that open
// and close sessions among them as fast as they can.
const (
	soakRooms     = 20
	soakResidents = 2 // per room, for the whole run
	soakWorkers   = 2
	// soakOverlap is how many sessions each worker keeps open: it closes
	// the oldest when it opens a new one, so sessions live tens of
	// milliseconds, long enough for their timers and writers to start, as
	// real sessions, which live minutes, always do.
	soakOverlap   = 20
	soakSamples   = 10 // samples over the run, at least
	soakSampleMax = 30 * time.Second
	soakHeapSlack = 4 << 20 // bytes the heap may end above its start
)

// TestSoakChurn churns sessions of every kind (websocket sessions that close
// cleanly, drop, or hang up and close; official polling, 2.x and 1.x
// clients) against a production build and requires goroutines, descriptors
// and heap to end where they started, and /readyz to count nothing in use.
func TestSoakChurn(t *testing.T) {
	t.Parallel()
	// Recovery off: a third of the churned sessions drop, and each would be
	// kept for the recovery window, filling the rooms; the recovery tests
	// cover what is kept.
	s := startProductionServer(t, "--debug-endpoints", "--recovery-window", "0")
	d := startDriver(t)
	start := s.Runtime(t)
	residents := startResidents(t, s)

	var sessions atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < soakWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var open []*websocket.Conn
			defer func() {
				for _, c := range open {
					c.Close()
				}
			}()
			for i := w; ; i += soakWorkers {
				select {
				case <-stop:
					return
				default:
				}
				conn, err := openSoakSession(s, i)
				if err != nil {
					t.Errorf("session %d: %v", i, err)
					return
				}
				if open = append(open, conn); len(open) > soakOverlap {
					closeSoakSession(open[0], i)
					open = open[1:]
					sessions.Add(1)
				}
			}
		}()
	}

	interval := min(*soakDuration/soakSamples, soakSampleMax)
	samples := []soakSample{{0, 0, start}}
	began := time.Now()
	for tick := time.NewTicker(interval); time.Since(began) < *soakDuration; {
		<-tick.C
		officialClientSessions(t, s, d, len(samples))
		samples = append(samples, soakSample{time.Since(began), sessions.Load(), s.Runtime(t)})
	}
	close(stop)
	wg.Wait()
	residents.close()

	total := sessions.Load()
	end := s.WaitRuntime(t, settleTimeout, func(r roomcasttest.Runtime) bool {
		return r.Goroutines <= start.Goroutines+leakSlack && r.OpenFDs <= start.OpenFDs+leakSlack &&
			r.HeapAlloc <= start.HeapAlloc+soakHeapSlack
	})
	samples = append(samples, soakSample{time.Since(began), total, end})
	report := soakTable(samples)
	t.Logf("%d sessions in %v\n%s", total, *soakDuration, report)
	if *soakReport != "" {
		if err := os.WriteFile(*soakReport, []byte(report), 0o644); err != nil {
			t.Errorf("writing the report: %v", err)
		}
	}

	if end.Goroutines > start.Goroutines+leakSlack {
		t.Errorf("goroutines: %d at the start, %d at the end\n%s", start.Goroutines, end.Goroutines, s.GoroutineStacks(t))
	}
	if end.OpenFDs > start.OpenFDs+leakSlack {
		t.Errorf("open descriptors: %d at the start, %d at the end", start.OpenFDs, end.OpenFDs)
	}
	if grown := int64(end.HeapAlloc) - int64(start.HeapAlloc); grown > soakHeapSlack {
		t.Errorf("heap grew by %d KB over %d sessions", grown>>10, total)
	}
	if r := waitReadiness(t, s, settleTimeout, isEmpty); !isEmpty(r) {
		t.Errorf("readyz %+v once every client has gone, want nothing in use", r)
	}
}

type soakSample struct {
	elapsed  time.Duration
	sessions int64
	roomcasttest.Runtime
}

func soakTable(samples []soakSample) string {
	var b strings.Builder
	b.WriteString("| elapsed | sessions | goroutines | heap after GC (KB) | open fds |\n")
	b.WriteString("|---:|---:|---:|---:|---:|\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "| %v | %d | %d | %d | %d |\n", s.elapsed.Round(time.Second), s.sessions,
			s.Goroutines, s.HeapAlloc>>10, s.OpenFDs)
	}
	return b.String()
}

// openSoakSession opens a websocket session among the residents: it joins a
// room and relays.
func openSoakSession(s *server, i int) (*websocket.Conn, error) {
	conn, _, err := websocket.DefaultDialer.Dial(websocketURL(s, 4), nil)
	if err != nil {
		return nil, err
	}
	// Like the official clients, emit only once the namespace is open.
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		conn.Close()
		return nil, err
	}
	if err := awaitNamespace(conn); err != nil {
		conn.Close()
		return nil, err
	}
	for _, f := range []string{fmt.Sprintf(`42["join","soak-%d"]`, i%soakRooms), `42["offer",{"sdp":"v=0"}]`, `42["ice",{"candidate":"c"}]`} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

// closeSoakSession ends a session in one of three ways: hang up and close,
// leave and close, or just drop the connection.
func closeSoakSession(conn *websocket.Conn, i int) {
	switch i % 3 {
	case 0:
		_ = conn.WriteMessage(websocket.TextMessage, []byte(`42["hangup"]`))
	case 1:
		_ = conn.WriteMessage(websocket.TextMessage, []byte(`42["leave"]`))
	}
	if i%3 != 2 {
		closeFrame(conn)
		return
	}
	conn.Close()
}

// officialClientSessions runs one polling, one 2.x and one 1.x session
// with the official clients: the paths the raw websocket sessions do not
// take (polling, upgrades, Engine.IO 3).
func officialClientSessions(t *testing.T, s *server, d *driver, round int) {
	t.Helper()
	for _, v := range []clientVariant{
		{client: clientV4, opts: map[string]any{"transports": []string{"polling"}}},
		{client: clientV2, opts: nil},
		{client: clientV1, opts: nil},
	} {
		opts := inRoom(fmt.Sprintf("soak-%d", round%soakRooms))
		for k, val := range v.opts {
			opts[k] = val
		}
		p := d.connect(s, fmt.Sprintf("%s-%d", v.client, round), v.client, opts)
		ackOK(t, p.call(t, "offer", map[string]any{"sdp": "v=0"}))
		p.close()
	}
}

// residents are the peers that stay for the whole soak, answering pings and
// reading everything relayed to them.
type residents struct {
	conns []*websocket.Conn
	wg    sync.WaitGroup
}

func startResidents(t *testing.T, s *server) *residents {
	t.Helper()
	r := &residents{}
	for i := 0; i < soakRooms*soakResidents; i++ {
		conn := eagerSocket(t, s)
		send(t, conn, fmt.Sprintf(`42["join","soak-%d"]`, i%soakRooms))
		r.conns = append(r.conns, conn)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for {
				_, frame, err := conn.ReadMessage()
				if err != nil {
					return
				}
				if string(frame) == "2" { // ping
					_ = conn.WriteMessage(websocket.TextMessage, []byte("3"))
				}
			}
		}()
	}
	return r
}

func (r *residents) close() {
	for _, c := range r.conns {
		c.Close()
	}
	r.wg.Wait()
}
