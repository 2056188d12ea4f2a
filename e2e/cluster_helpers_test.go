package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// What the tests of several nodes sharing rooms through Redis share: a
// redis-server of the test's own and roomcast nodes using it.

// startCluster runs a redis-server and n roomcast nodes sharing rooms
// through it, each with the same extra flags.
func startCluster(t *testing.T, n int, flags ...string) (*roomcasttest.Redis, []*server) {
	t.Helper()
	r := roomcasttest.StartRedis(t)
	return r, roomcasttest.StartNodes(t, roomcastBin, r, n, append(manyClients, flags...)...)
}

// waitReady polls a node's /readyz until its status code and redis field
// are as wanted, failing after timeout; it returns how long that took.
func waitReady(t *testing.T, s *server, timeout time.Duration, code int, redis string) time.Duration {
	t.Helper()
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		got, r := s.ReadinessStatus(t)
		if got == code && r.Redis == redis {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s /readyz still %d %+v after %v, want %d with redis %q", s.URL, got, r, timeout, code, redis)
		}
		<-tick.C
	}
}

// callAsync sends an event with an ack callback and returns a wait for the
// ack, so that many calls can be in flight at once.
func (p *peer) callAsync(event string, args ...any) func(t *testing.T) report {
	p.mu.Lock()
	p.acks++
	id := p.acks
	p.mu.Unlock()
	p.d.send(map[string]any{"op": "emit", "peer": p.name, "event": event, "args": nonNil(args), "ack": id})
	return func(t *testing.T) report {
		t.Helper()
		return p.waitFor(t, func(r report) bool { return r.Type == "ack" && r.Ack == id }, "ack of "+event)
	}
}

// nextWith waits for the next event of that name whose first argument, an
// object, has field key equal to value.
func (p *peer) nextWith(t *testing.T, event, key string, value any) report {
	t.Helper()
	want, _ := json.Marshal(value)
	return p.waitFor(t, func(r report) bool {
		if r.Type != "event" || r.Event != event || len(r.Args) == 0 {
			return false
		}
		var m map[string]json.RawMessage
		return json.Unmarshal(r.Args[0], &m) == nil && string(m[key]) == string(want)
	}, event+" with "+key+" "+string(want))
}

// receivedWith counts the events of that name received so far whose first
// argument has field key equal to value.
func (p *peer) receivedWith(event, key string, value any) int {
	want, _ := json.Marshal(value)
	n := 0
	for _, r := range p.received(event) {
		var m map[string]json.RawMessage
		if len(r.Args) > 0 && json.Unmarshal(r.Args[0], &m) == nil && string(m[key]) == string(want) {
			n++
		}
	}
	return n
}

// rawPeer is a raw WebSocket page (the `login` or `inst` dialect) on / of a
// node.
type rawPeer struct {
	conn *websocket.Conn
}

// dialRawPage opens a raw WebSocket to a node's / in room, closed at the
// end of the test.
func dialRawPage(t *testing.T, s *server, room string) *rawPeer {
	t.Helper()
	conn, res, err := websocket.DefaultDialer.Dial("ws://"+s.Addr+"/?room="+room, nil)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dialing %s/?room=%s: %v (%d)", s.URL, room, err, status)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("raw websocket answered %d", res.StatusCode)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawPeer{conn: conn}
}

// send writes one JSON frame.
func (p *rawPeer) send(t *testing.T, frame map[string]any) {
	t.Helper()
	if err := p.conn.WriteJSON(frame); err != nil {
		t.Fatalf("sending %v: %v", frame, err)
	}
}

// next reads the next frame, waiting up to waitTimeout.
func (p *rawPeer) next(t *testing.T) map[string]any {
	t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	var frame map[string]any
	if err := p.conn.ReadJSON(&frame); err != nil {
		t.Fatalf("reading a frame: %v", err)
	}
	return frame
}

// login logs in as name and returns the answer.
func (p *rawPeer) login(t *testing.T, name string) map[string]any {
	t.Helper()
	p.send(t, map[string]any{"type": "login", "name": name})
	return p.next(t)
}
