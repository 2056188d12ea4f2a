package e2e

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitTimeout bounds every wait for something a client should receive.
const waitTimeout = 10 * time.Second

// waitLogs waits until cond holds for the server's log, looking again at
// each line the server writes, and fails the test with what (and the state
// it describes) after waitTimeout.
func waitLogs(t *testing.T, s *server, cond func(logs string) bool, what func() string) {
	t.Helper()
	if !s.WaitLogs(waitTimeout, cond) {
		t.Fatalf("%s within %v", what(), waitTimeout)
	}
}

// Client kinds the driver can host.
const (
	clientV4     = "v4"     // socket.io-client 4.8 from npm
	clientV3     = "v3"     // socket.io-client 3.1 from npm
	clientV2     = "v2"     // socket.io-client 2.5 from npm (Engine.IO 3)
	clientV1     = "v1"     // socket.io-client 1.3.7 from npm, SimpleWebRTC's (Engine.IO 3)
	clientBundle = "bundle" // /socket.io/socket.io.js as served by roomcast
)

// report is one line from the driver.
type report struct {
	Peer      string            `json:"peer"`
	Type      string            `json:"type"`
	ID        string            `json:"id"`
	Transport string            `json:"transport"`
	Message   string            `json:"message"`
	Reason    string            `json:"reason"`
	Event     string            `json:"event"`
	Args      []json.RawMessage `json:"args"`
	Ack       int               `json:"ack"`
	// Recovered is set on a connect in which the server gave the socket
	// back: socket.io 4.6+'s socket.recovered.
	Recovered bool `json:"recovered"`
}

// arg decodes argument i into v, failing the test if it cannot.
func (r report) arg(t *testing.T, i int, v any) {
	t.Helper()
	if i >= len(r.Args) {
		t.Fatalf("%s %s has %d arguments, want at least %d", r.Type, r.Event, len(r.Args), i+1)
	}
	if err := json.Unmarshal(r.Args[i], v); err != nil {
		t.Fatalf("%s %s argument %d: %v (%s)", r.Type, r.Event, i, err, r.Args[i])
	}
}

// binaryArg is an argument the driver emits as a Buffer.
func binaryArg(data []byte) map[string]any {
	return map[string]any{"$binary": base64.StdEncoding.EncodeToString(data)}
}

// binary decodes argument i, which must be binary data, failing the test if
// it is not.
func (r report) binary(t *testing.T, i int) []byte {
	t.Helper()
	var wire struct {
		Binary *string `json:"$binary"`
	}
	r.arg(t, i, &wire)
	if wire.Binary == nil {
		t.Fatalf("%s %s argument %d is %s, want binary data", r.Type, r.Event, i, r.Args[i])
	}
	data, err := base64.StdEncoding.DecodeString(*wire.Binary)
	if err != nil {
		t.Fatalf("%s %s argument %d: %v", r.Type, r.Event, i, err)
	}
	return data
}

// driver is one Node process hosting any number of socket.io clients.
type driver struct {
	t     *testing.T
	stdin io.WriteCloser
	mu    sync.Mutex
	peers map[string]*peer
}

func startDriver(t *testing.T) *driver {
	t.Helper()
	node := requireTool(t, "node")
	cmd := exec.Command(node, "--experimental-websocket", "--no-warnings", "driver.mjs")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the node driver: %v", err)
	}
	d := &driver{t: t, stdin: stdin, peers: map[string]*peer{}}
	done := make(chan struct{})
	go func() { defer close(done); d.readReports(stdout) }()
	t.Cleanup(func() {
		_ = stdin.Close()
		<-done
		if err := cmd.Wait(); err != nil {
			t.Errorf("node driver: %v\n%s", err, stderr.String())
		}
	})
	return d
}

func (d *driver) readReports(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 8*1024*1024)
	for sc.Scan() {
		var rep report
		if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
			d.t.Errorf("driver wrote %q: %v", sc.Text(), err)
			continue
		}
		if rep.Type == "fatal" {
			d.t.Errorf("driver: peer %s: %s", rep.Peer, rep.Message)
		}
		d.peer(rep.Peer).add(rep)
	}
}

func (d *driver) send(cmd map[string]any) {
	d.t.Helper()
	line, err := json.Marshal(cmd)
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := d.stdin.Write(append(line, '\n')); err != nil {
		d.t.Fatalf("writing to the driver: %v", err)
	}
}

func (d *driver) peer(name string) *peer {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.peers[name]
	if !ok {
		p = &peer{name: name, d: d, changed: make(chan struct{})}
		d.peers[name] = p
	}
	return p
}

// dial starts connecting a client and returns at once.
func (d *driver) dial(s *server, name, client string, opts map[string]any) *peer {
	d.t.Helper()
	if opts == nil {
		opts = map[string]any{}
	}
	d.send(map[string]any{"op": "connect", "peer": name, "url": s.URL, "client": client, "opts": opts})
	return d.peer(name)
}

// connect connects a client and waits until it is connected.
func (d *driver) connect(s *server, name, client string, opts map[string]any) *peer {
	d.t.Helper()
	p := d.dial(s, name, client, opts)
	r := p.waitFor(d.t, func(r report) bool {
		return r.Type == "connect" || r.Type == "connect_error" || r.Type == "fatal"
	}, "connect")
	if r.Type != "connect" {
		d.t.Fatalf("peer %s (%s) did not connect: %s %s", name, client, r.Type, r.Message)
	}
	p.ID = r.ID
	p.Transport = r.Transport
	return p
}

// peer is one client hosted by the driver, with everything it has received.
type peer struct {
	name string
	d    *driver
	ID   string
	// Transport is the one the client connected over.
	Transport string

	mu      sync.Mutex
	reports []report
	taken   []bool
	changed chan struct{} // closed and replaced whenever a report arrives
	acks    int
}

func (p *peer) add(r report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reports = append(p.reports, r)
	p.taken = append(p.taken, false)
	close(p.changed)
	p.changed = make(chan struct{})
}

// waitFor returns the first report not returned before that matches, waiting
// up to waitTimeout for it.
func (p *peer) waitFor(t *testing.T, match func(report) bool, what string) report {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		p.mu.Lock()
		for i, r := range p.reports {
			if !p.taken[i] && match(r) {
				p.taken[i] = true
				p.mu.Unlock()
				return r
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("peer %s: no %s within %v; received:\n%s", p.name, what, waitTimeout, p.history())
		}
	}
}

// next waits for the next event of that name.
func (p *peer) next(t *testing.T, event string) report {
	t.Helper()
	return p.waitFor(t, func(r report) bool { return r.Type == "event" && r.Event == event }, "event "+event)
}

// waitUpgrade waits until the client has moved from polling to websocket.
func (p *peer) waitUpgrade(t *testing.T) {
	t.Helper()
	if r := p.waitFor(t, func(r report) bool { return r.Type == "upgrade" }, "upgrade"); r.Transport != "websocket" {
		t.Fatalf("peer %s upgraded to %q, want websocket", p.name, r.Transport)
	}
}

// upgrades counts the upgrades the client has reported so far.
func (p *peer) upgrades() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.reports {
		if r.Type == "upgrade" {
			n++
		}
	}
	return n
}

// received returns every event of that name received so far.
func (p *peer) received(event string) []report {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []report
	for _, r := range p.reports {
		if r.Type == "event" && r.Event == event {
			out = append(out, r)
		}
	}
	return out
}

func (p *peer) history() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, r := range p.reports {
		fmt.Fprintf(&b, "  %s %s%s %s %s\n", r.Type, r.Event, r.Transport, r.Message, r.Args)
	}
	return b.String()
}

// emit sends an event without an ack callback.
func (p *peer) emit(event string, args ...any) {
	p.d.t.Helper()
	p.d.send(map[string]any{"op": "emit", "peer": p.name, "event": event, "args": nonNil(args)})
}

// call sends an event with an ack callback and returns the ack's arguments.
func (p *peer) call(t *testing.T, event string, args ...any) report {
	t.Helper()
	p.mu.Lock()
	p.acks++
	id := p.acks
	p.mu.Unlock()
	p.d.send(map[string]any{"op": "emit", "peer": p.name, "event": event, "args": nonNil(args), "ack": id})
	r := p.waitFor(t, func(r report) bool { return r.Type == "ack" && r.Ack == id || r.Type == "disconnect" }, "ack of "+event)
	if r.Type == "disconnect" {
		t.Fatalf("peer %s was disconnected (%s) before the ack of %s", p.name, r.Reason, event)
	}
	return r
}

// burst sends count events back to back, each {...payload, seq: i}.
func (p *peer) burst(event string, count int, payload map[string]any) {
	p.d.t.Helper()
	p.d.send(map[string]any{"op": "burst", "peer": p.name, "event": event, "count": count, "payload": payload})
}

// close disconnects the client.
func (p *peer) close() {
	p.d.t.Helper()
	p.d.send(map[string]any{"op": "close", "peer": p.name})
}

// barrier makes a round trip to the server. Anything the server had sent
// this peer before it answered arrives before the answer, so after a barrier
// "not received" means "not sent".
func (p *peer) barrier(t *testing.T) {
	t.Helper()
	ack := p.call(t, "roomcast-test-barrier")
	if e := ackError(t, ack); e.Code != "unknown-event" {
		t.Fatalf("barrier: got %+v, want unknown-event", e)
	}
}

func nonNil(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}
