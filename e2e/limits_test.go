package e2e

// Every limit of a public server, at the limit and one past it, with small
// flag values so that reaching them is quick: what is within is served,
// what is beyond gets the documented answer, and nobody else notices.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
	"github.com/roomcast/roomcast/rooms"
)

// padded returns head + 'x'… + tail, exactly n bytes long.
func padded(head, tail string, n int) string {
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

// sizeLimit is the --max-message-bytes of the message size tests: small,
// so that a message at it is quick to build and to relay.
const sizeLimit = 2048

// A websocket message or polling body of exactly --max-message-bytes is
// served; one byte more closes that connection with websocket close 1009
// or HTTP 413, and the others in its room carry on.
func TestMessageSizeLimitSocketIO(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--max-message-bytes", strconv.Itoa(sizeLimit))
	wantStatus := map[string]int{overWebsocket: websocket.CloseMessageTooBig, overPolling: http.StatusRequestEntityTooLarge}
	for _, transport := range bothTransports {
		t.Run(transport, func(t *testing.T) {
			room := "&room=size-" + transport
			sender := connectedSession(t, s, transport, room)
			watcher := connectedSession(t, s, overWebsocket, room)
			other := connectedSession(t, s, overPolling, room)

			atLimit := padded(`421["message",{"pad":"`, `"}]`, sizeLimit)
			sender.send(textPacket(atLimit))
			if code, err := ackCode(sender, 1); err != nil || code != "" {
				t.Fatalf("a message of exactly %d bytes: ack %q, %v; want success", sizeLimit, code, err)
			}
			for _, hs := range []handSession{watcher, other} {
				if pkt, err := awaitPacket(hs, `42["message"`); err != nil || !strings.Contains(pkt, `"pad":"xxx`) {
					t.Fatalf("the message at the limit was not relayed: %.60q, %v", pkt, err)
				}
			}

			sender.send(textPacket(padded(`422["message",{"pad":"`, `"}]`, sizeLimit+1)))
			if err := awaitClose(sender); err != nil {
				t.Fatalf("a message one byte past the limit: %v, want the connection closed", err)
			}
			if got := sender.closeStatus(); got != wantStatus[transport] {
				t.Fatalf("closed with %d, want %d", got, wantStatus[transport])
			}
			for _, hs := range []handSession{watcher, other} {
				if _, err := awaitPacket(hs, `42["peer-left"`); err != nil {
					t.Fatalf("the room was not told the sender left: %v", err)
				}
			}
			// The others are unaffected: they still relay to each other.
			watcher.send(textPacket(`423["message","after"]`))
			if code, err := ackCode(watcher, 3); err != nil || code != "" {
				t.Fatalf("relay after the close: ack %q, %v", code, err)
			}
			if _, err := awaitPacket(other, `42["message","after"`); err != nil {
				t.Fatalf("relay after the close: %v", err)
			}
		})
	}
}

// The raw websocket endpoint delivers a frame of exactly the limit, and
// answers one byte more with its message-too-large error frame, then a
// close; the other pages of the room carry on.
func TestMessageSizeLimitRawEndpoint(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--max-message-bytes", strconv.Itoa(sizeLimit))
	a := rawPageIn(t, s, "size", "a")
	b := rawPageIn(t, s, "size", "b")
	c := rawPageIn(t, s, "size", "c")

	atLimit := padded(`{"inst":"send","peerId":"b","message":"`, `"}`, sizeLimit)
	a.sendText(t, atLimit)
	b.expect(t, atLimit[strings.Index(atLimit, `"message":`)+len(`"message":`):len(atLimit)-1])

	a.sendText(t, padded(`{"inst":"send","peerId":"b","message":"`, `"}`, sizeLimit+1))
	frame, closed, err := a.read()
	var e rawError
	if err != nil || closed || json.Unmarshal([]byte(frame), &e) != nil || e.Code != rooms.CodeMessageTooLarge || e.Message == "" {
		t.Fatalf("one byte past the limit answered %q (closed %v, %v), want a %s error frame", frame, closed, err, rooms.CodeMessageTooLarge)
	}
	if _, closed, err := a.read(); !closed {
		t.Fatalf("after the error frame: %v, want the connection closed", err)
	}
	c.sendJSON(t, map[string]any{"inst": "send", "peerId": "b", "message": "after"})
	b.expect(t, `"after"`)
}

// ask emits an event with an ack callback and returns at once with the
// ack's id, for sending several before any answer.
func (p *peer) ask(event string, args ...any) int {
	p.d.t.Helper()
	p.mu.Lock()
	p.acks++
	id := p.acks
	p.mu.Unlock()
	p.d.send(map[string]any{"op": "emit", "peer": p.name, "event": event, "args": nonNil(args), "ack": id})
	return id
}

// answer waits for the ack of an ask.
func (p *peer) answer(t *testing.T, id int) report {
	t.Helper()
	r := p.waitFor(t, func(r report) bool { return r.Type == "ack" && r.Ack == id || r.Type == "disconnect" }, fmt.Sprintf("ack %d", id))
	if r.Type == "disconnect" {
		t.Fatalf("peer %s was disconnected (%s) before ack %d", p.name, r.Reason, id)
	}
	return r
}

// A connection gets --event-burst events at once; the next is acked
// rate-limited, and one without an ack is dropped; a connection that keeps
// exceeding the rate for --max-excess gets a DISCONNECT, after which the
// official client does not reconnect, though it is allowed to.
func TestEventRateLimit(t *testing.T) {
	t.Parallel()
	// One token every 5 s: nothing refills during the test's few seconds.
	const burst = 5
	s := startServer(t, "--event-rate", "0.2", "--event-burst", strconv.Itoa(burst), "--max-excess", "2s")
	d := startDriver(t)
	opts := inRoom("rate")
	opts["transports"] = []string{"websocket"}
	opts["reconnection"], opts["reconnectionDelay"], opts["reconnectionDelayMax"] = true, 100, 100
	a := d.connect(s, "a", clientV4, opts)
	b := d.connect(s, "b", clientV4, inRoom("rate"))

	// The excess begins, in the server, after this.
	start := time.Now()
	ids := make([]int, burst+1)
	for i := range ids {
		ids[i] = a.ask("ice", map[string]any{"seq": i})
	}
	for _, id := range ids[:burst] {
		ackOK(t, a.answer(t, id))
	}
	wantCode(t, a.answer(t, ids[burst]), rooms.CodeRateLimited)
	// Without an ack, events beyond the rate are dropped: none reaches b.
	a.burst("ice", 3, map[string]any{"unacked": true})
	wantCode(t, a.answer(t, a.ask("ice", map[string]any{})), rooms.CodeRateLimited)
	b.barrier(t)
	if got := b.received("ice"); len(got) != burst {
		t.Fatalf("b received %d ice events, want the %d of the burst", len(got), burst)
	}

	// Keep exceeding the rate until the server disconnects the client.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !a.disconnected() {
		if time.Since(start) > waitTimeout {
			t.Fatalf("still connected %v after exceeding the rate, --max-excess is 2s", waitTimeout)
		}
		a.emit("roomcast-test-excess")
		<-tick.C
	}
	r := a.waitFor(t, func(r report) bool { return r.Type == "disconnect" }, "disconnect")
	if r.Reason != "io server disconnect" {
		t.Fatalf("disconnected with %q, want io server disconnect (a DISCONNECT packet)", r.Reason)
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Fatalf("disconnected after %v of excess, before --max-excess 2s", took)
	}
	b.wantPeerEvent(t, "peer-left", "rate", a)
	bAlone := func(r roomcasttest.Readiness) bool { return r.Peers == 1 && r.Sessions == 1 }
	if r := waitReadiness(t, s, waitTimeout, bAlone); !bAlone(r) {
		t.Fatalf("readyz %+v after the DISCONNECT, want b alone", r)
	}
	// The client could reconnect within 100 ms; for ten times that, it
	// must not, and the server must hold b alone.
	held := stays(t, time.Second, func() bool { return bAlone(s.Readiness(t)) && a.connects() == 1 })
	if !held {
		t.Fatalf("the client reconnected after the DISCONNECT: readyz %+v, %d connects", s.Readiness(t), a.connects())
	}
}

// disconnected reports whether the client has reported a disconnect.
func (p *peer) disconnected() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.reports {
		if r.Type == "disconnect" {
			return true
		}
	}
	return false
}

// connects counts the connects the client has reported.
func (p *peer) connects() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.reports {
		if r.Type == "connect" {
			n++
		}
	}
	return n
}

// stays checks ok every 20 ms for window and reports whether it held each
// time: for what must not happen, within a window longer than the time it
// would take to happen.
func stays(t *testing.T, window time.Duration, ok func() bool) bool {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(window); time.Now().Before(end); <-tick.C {
		if !ok() {
			return false
		}
	}
	return ok()
}

// --join-burst joins at once, then rate-limited, for every command that
// joins: join, the codelab's create or join, signalmaster's create.
func TestJoinRateLimit(t *testing.T) {
	t.Parallel()
	const burst = 3
	s := startServer(t, "--join-rate", "0.2", "--join-burst", strconv.Itoa(burst))
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, nil)
	ids := make([]int, burst+1)
	for i := range ids {
		ids[i] = a.ask("join", fmt.Sprintf("room-%d", i))
	}
	for _, id := range ids[:burst] {
		ackOK(t, a.answer(t, id))
	}
	wantCode(t, a.answer(t, ids[burst]), rooms.CodeRateLimited)
	wantCode(t, a.call(t, "create or join", "codelab"), rooms.CodeRateLimited)
	wantCode(t, a.call(t, "create", "signalmaster"), rooms.CodeRateLimited)
	// Other commands are not joins.
	ackOK(t, a.call(t, "leave", "room-0"))
	ackOK(t, a.call(t, "ice", map[string]any{"room": "room-1"}))
}

// forbidden is the answer to a connection beyond a connection limit.
const forbidden = `{"code":4,"message":"Forbidden"}`

// connectionKinds are the three ways to open a connection that counts
// against the connection limits; each returns the error of a refusal.
var connectionKinds = []struct {
	name string
	open func(s *server, header http.Header) (close func(), err error)
}{
	{"polling", func(s *server, h http.Header) (func(), error) {
		p, err := openPollingSession(s, "", h)
		if err != nil {
			return nil, err
		}
		return p.close, nil
	}},
	{"websocket", func(s *server, h http.Header) (func(), error) {
		w, err := openWebsocketSession(s, "", h)
		if err != nil {
			return nil, err
		}
		return w.close, nil
	}},
	{"raw endpoint", func(s *server, h http.Header) (func(), error) {
		p, err := openRawPage(s, "lobby", websocket.DefaultDialer, h)
		if err != nil {
			return nil, err
		}
		return func() { p.conn.Close() }, nil
	}},
}

// openOrFail opens a connection of kind k that must be admitted.
func openOrFail(t *testing.T, s *server, k int, header http.Header) func() {
	t.Helper()
	closeIt, err := connectionKinds[k].open(s, header)
	if err != nil {
		t.Fatalf("%s within the limit: %v", connectionKinds[k].name, err)
	}
	t.Cleanup(closeIt)
	return closeIt
}

// wantForbidden fails unless a connection of every kind is refused with
// 403 and socket.io's Forbidden body.
func wantForbidden(t *testing.T, s *server, header http.Header) {
	t.Helper()
	for _, k := range connectionKinds {
		closeIt, err := k.open(s, header)
		if err == nil {
			closeIt()
			t.Fatalf("%s beyond the limit was admitted", k.name)
		}
		r, ok := err.(*refusal)
		if !ok || r.status != http.StatusForbidden || strings.TrimSpace(r.body) != forbidden {
			t.Fatalf("%s beyond the limit: %v, want 403 %s", k.name, err, forbidden)
		}
	}
}

// sessionsAre waits until /readyz counts n sessions: a refused
// connection must leave none behind.
func sessionsAre(t *testing.T, s *server, n int) {
	t.Helper()
	ok := func(r roomcasttest.Readiness) bool { return r.Sessions == n }
	if r := waitReadiness(t, s, waitTimeout, ok); !ok(r) {
		t.Fatalf("readyz %+v, want %d sessions", r, n)
	}
}

// --max-connections-per-ip connections of one address are admitted, on
// any transport; the next is refused with 403 before any session exists,
// and a closed one makes room again.
func TestConnectionsPerAddress(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--max-connections-per-ip", "3")
	closers := make([]func(), len(connectionKinds))
	for k := range connectionKinds {
		closers[k] = openOrFail(t, s, k, nil)
	}
	sessionsAre(t, s, 2) // the raw endpoint's connection is no socket.io session
	wantForbidden(t, s, nil)
	sessionsAre(t, s, 2)
	for k := range connectionKinds {
		closers[k]()
		closers[k] = openOnceReleased(t, s, k)
		wantForbidden(t, s, nil)
	}
}

// openOnceReleased opens a connection of kind k as soon as the server has
// released one the client closed: it notices the close asynchronously.
func openOnceReleased(t *testing.T, s *server, k int) func() {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		closeIt, err := connectionKinds[k].open(s, nil)
		if err == nil {
			t.Cleanup(closeIt)
			return closeIt
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still refused %v after a connection closed: %v", connectionKinds[k].name, waitTimeout, err)
		}
		<-tick.C
	}
}

// Behind a trusted proxy, X-Forwarded-For names the client, and each
// address has its own count; from anyone else the header is ignored.
func TestConnectionsPerForwardedAddress(t *testing.T) {
	t.Parallel()
	forwarded := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
	t.Run("trusted proxy", func(t *testing.T) {
		s := startServer(t, "--max-connections-per-ip", "2", "--trusted-proxies", "127.0.0.1")
		for _, ip := range []string{"203.0.113.1", "203.0.113.2"} {
			openOrFail(t, s, 0, forwarded(ip))
			openOrFail(t, s, 1, forwarded("198.51.100.7, "+ip)) // the rightmost untrusted hop counts
			wantForbidden(t, s, forwarded(ip))
		}
		openOrFail(t, s, 2, forwarded("203.0.113.3"))
	})
	t.Run("untrusted peer", func(t *testing.T) {
		s := startServer(t, "--max-connections-per-ip", "2")
		openOrFail(t, s, 0, forwarded("203.0.113.1"))
		openOrFail(t, s, 1, forwarded("203.0.113.2"))
		wantForbidden(t, s, forwarded("203.0.113.3"))
	})
}

// --max-connections counts every connection, whatever its address.
func TestConnectionsInAll(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--max-connections", "3", "--trusted-proxies", "127.0.0.1")
	for k := range connectionKinds {
		openOrFail(t, s, k, http.Header{"X-Forwarded-For": {fmt.Sprintf("203.0.113.%d", k)}})
	}
	wantForbidden(t, s, http.Header{"X-Forwarded-For": {"198.51.100.1"}})
	sessionsAre(t, s, 2)
}

// Room capacity and rooms per socket hold when joins race: 100 sockets
// joining a room of 10 at once admit exactly 10, and sockets that each
// join 10 rooms at once end in exactly --max-rooms-per-peer, no room over
// capacity.
func TestRoomCapsHoldUnderConcurrentJoins(t *testing.T) {
	t.Parallel()
	const capacity, perPeer = 10, 3
	s := startServer(t, "--max-peers-per-room", strconv.Itoa(capacity), "--max-rooms-per-peer", strconv.Itoa(perPeer),
		"--default-room", "", "--join-burst", "20")
	t.Run("100 into a room of 10", func(t *testing.T) {
		codes := concurrentJoins(t, s, 100, func(int) []string { return []string{"crowd"} })
		count := map[string]int{}
		for _, c := range codes {
			count[c[0]]++
		}
		if count[""] != capacity || count[rooms.CodeRoomFull] != 100-capacity {
			t.Fatalf("joins answered %v, want %d successes and the rest %s", count, capacity, rooms.CodeRoomFull)
		}
	})
	t.Run("20 sockets into 10 rooms each", func(t *testing.T) {
		names := make([]string, 10)
		for i := range names {
			names[i] = fmt.Sprintf("spread-%d", i)
		}
		codes := concurrentJoins(t, s, 20, func(int) []string { return names })
		members := map[string]int{}
		for i, c := range codes {
			joined := 0
			for j, code := range c {
				switch code {
				case "":
					joined++
					members[names[j]]++
				case rooms.CodeRoomFull, rooms.CodeTooManyRooms:
				default:
					t.Fatalf("socket %d: join %s answered %q", i, names[j], code)
				}
			}
			// 60 memberships fit in 10 rooms of 10 however they race.
			if joined != perPeer {
				t.Fatalf("socket %d joined %d rooms (%v), want %d", i, joined, c, perPeer)
			}
		}
		for room, n := range members {
			if n > capacity {
				t.Fatalf("room %s admitted %d, over its capacity %d", room, n, capacity)
			}
		}
	})
}

// concurrentJoins connects n sockets, then has them all send their joins
// at once (socket i joins rooms(i), in order, without waiting), and
// returns each socket's ack codes.
func concurrentJoins(t *testing.T, s *server, n int, roomsOf func(i int) []string) [][]string {
	t.Helper()
	socks := make([]handSession, n)
	for i := range socks {
		socks[i] = connectedSession(t, s, overWebsocket, "")
		defer socks[i].close()
	}
	start := make(chan struct{})
	type result struct {
		i     int
		codes []string
		err   error
	}
	results := make(chan result, n)
	for i, hs := range socks {
		go func() {
			names := roomsOf(i)
			packets := make([]enginePacket, len(names))
			for j, name := range names {
				packets[j] = textPacket(fmt.Sprintf(`42%d["join",%q]`, j+1, name))
			}
			<-start
			hs.send(packets...)
			res := result{i: i}
			for j := range names {
				code, err := ackCode(hs, j+1)
				if err != nil {
					res.err = err
					break
				}
				res.codes = append(res.codes, code)
			}
			results <- res
		}()
	}
	close(start)
	codes := make([][]string, n)
	for range socks {
		r := <-results
		if r.err != nil {
			t.Fatalf("socket %d: %v", r.i, r.err)
		}
		codes[r.i] = r.codes
	}
	return codes
}
