package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/proc"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// Settings of the shutdown test.
const (
	// shutdownDelay and shutdownTimeout are its --shutdown-delay and
	// --shutdown-timeout.
	shutdownDelay   = 2 * time.Second
	shutdownTimeout = 2 * time.Second
	// readinessAtOnce is how soon after SIGTERM /readyz must answer 503.
	readinessAtOnce = 500 * time.Millisecond
	// exitSlack is how much later than delay + timeout the process may
	// exit, on a busy machine.
	exitSlack = 2 * time.Second
)

// SIGTERM: /readyz answers 503 at once while the peers stay connected and
// relaying for --shutdown-delay; then they are told to reconnect (the
// official clients see a transport close and reconnect, here to the
// server that replaces this one), and the process exits within
// --shutdown-timeout even with a request that never finishes.
func TestShutdownDrainsThenSendsClientsElsewhere(t *testing.T) {
	t.Parallel()
	p, err := proc.Start(proc.Spec{Name: "roomcast", Argv: []string{roomcastBin, "--addr", "127.0.0.1:0", "--log-format", "json",
		"--shutdown-delay", shutdownDelay.String(), "--shutdown-timeout", shutdownTimeout.String()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.Alive() {
			_ = p.Stop()
		}
	})
	old := &server{Proc: p, URL: "http://" + p.Addr}
	d := startDriver(t)
	reconnecting := func(transport string) map[string]any {
		opts := withTransport(inRoom("drain"), transport)
		opts["reconnection"], opts["reconnectionDelay"], opts["reconnectionDelayMax"] = true, 100, 100
		return opts
	}
	a := d.connect(old, "a", clientV4, reconnecting("websocket"))
	b := d.connect(old, "b", clientV4, reconnecting("polling"))
	a.wantPeerEvent(t, "peer-joined", "drain", b)
	// A request that never finishes: its headers never end.
	stuck, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	fmt.Fprintf(stuck, "GET /healthz HTTP/1.1\r\nHost: roomcast\r\n")

	sigterm := time.Now()
	if err := syscall.Kill(p.PID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if took := firstUnready(t, old); took > readinessAtOnce {
		t.Fatalf("/readyz answered 503 %v after SIGTERM, want at once", took)
	}
	// Draining: the peers still relay, and new connections are served.
	ackOK(t, a.call(t, "message", "while draining"))
	b.next(t, "message")
	connectedSession(t, old, overWebsocket, "")
	if a.disconnected() || b.disconnected() {
		t.Fatalf("a peer was disconnected %v after SIGTERM, before --shutdown-delay %v", time.Since(sigterm), shutdownDelay)
	}

	for _, peer := range []*peer{a, b} {
		r := peer.waitFor(t, func(r report) bool { return r.Type == "disconnect" }, "disconnect on shutdown")
		if r.Reason != "transport close" {
			t.Fatalf("%s disconnected with %q, want transport close, after which clients reconnect", peer.name, r.Reason)
		}
	}
	if took := time.Since(sigterm); took < shutdownDelay {
		t.Fatalf("peers were disconnected %v after SIGTERM, before --shutdown-delay %v", took, shutdownDelay)
	}
	if err := p.Wait(shutdownDelay + shutdownTimeout + exitSlack); err != nil {
		t.Fatalf("after SIGTERM: %v, want exit status 0 within delay and timeout\n%s", err, p.Logs())
	}
	t.Logf("exited %v after SIGTERM", time.Since(sigterm).Round(time.Millisecond))

	// The clients have kept trying: a server in its place gets them back.
	replacement := startServer(t, "--addr", p.Addr)
	for _, peer := range []*peer{a, b} {
		peer.waitFor(t, func(r report) bool { return r.Type == "connect" && r.ID != peer.ID }, "reconnect to the replacement")
	}
	bothBack := func(r roomcasttest.Readiness) bool { return r.Peers == 2 && r.Rooms == 1 }
	if r := waitReadiness(t, replacement, waitTimeout, bothBack); !bothBack(r) {
		t.Fatalf("the replacement holds %+v, want both clients in their room", r)
	}
}

// firstUnready polls /readyz until it answers 503 with status draining,
// and returns how long that took.
func firstUnready(t *testing.T, s *server) time.Duration {
	t.Helper()
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for ; ; <-tick.C {
		res, err := http.Get(s.URL + "/readyz")
		if err != nil {
			t.Fatalf("/readyz while draining: %v, want it answered", err)
		}
		var body struct{ Status string }
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable && body.Status == "draining" {
			return time.Since(start)
		}
		if time.Since(start) > waitTimeout {
			t.Fatalf("/readyz still answers %d %q %v after SIGTERM", res.StatusCode, body.Status, waitTimeout)
		}
	}
}
