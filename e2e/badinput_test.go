package e2e

// Bad input of every kind, over both transports, while two bystanders in
// another room relay a numbered stream: the offender gets a clear answer
// or is closed, nobody else notices anything, and the server neither
// crashes nor hangs.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/rooms"
)

// badAck is the ack id the rows' events ask for.
const badAck = 7

// verdict is what the server must do with a row's input.
type verdict struct {
	// closes: the server closes the offender's session.
	closes bool
	// code is the error code of the ack of badAck; "" for a success.
	code string
	// answer is a packet the server answers with instead of an ack.
	answer string
	// ignored: no answer at all; the session goes on.
	ignored bool
}

var (
	closes  = verdict{closes: true}
	ignored = verdict{ignored: true}
	acked   = verdict{}
)

func refused(code string) verdict    { return verdict{code: code} }
func answered(prefix string) verdict { return verdict{answer: prefix} }

// badRow is one kind of bad input.
type badRow struct {
	name string
	// only names the one transport the row applies to; "" is both.
	only string
	// beforeConnect sends the packets before the namespace connect.
	beforeConnect bool
	// packets are what the offender sends; a is the id of a bystander.
	packets func(a string) []enginePacket
	want    verdict
	// request, for the rows that are HTTP requests rather than packets,
	// sends them and checks the answer itself.
	request func(t *testing.T, s *server, transport string)
}

// event is a row sending one event with the ack id badAck.
func event(args string) func(string) []enginePacket {
	return func(string) []enginePacket { return textPackets(fmt.Sprintf("42%d[%s]", badAck, args)) }
}

// frames is a row sending packets as they are.
func frames(packets ...string) func(string) []enginePacket {
	return func(string) []enginePacket { return textPackets(packets...) }
}

// Sizes of the rows.
const (
	deepJSON    = 10_000    // nesting levels
	longName    = 10 << 10  // a room name of 10 KB, within the message limit
	hugeMessage = 1_000_000 // 1 MB, past the default 64 KiB limit
)

var badRows = []badRow{
	// Engine.IO packets that are not.
	{name: "not an Engine.IO packet", packets: frames("garbage"), want: closes},
	{name: "unknown Engine.IO type", packets: frames("9"), want: closes},
	{name: "open packet from a client", packets: frames("0"), want: closes},
	{name: "upgrade packet on an open transport", packets: frames("5"), want: closes},
	{name: "NUL and invalid UTF-8", packets: frames("\x00\xff\xfe"), want: closes},
	{name: "binary data nothing announced", packets: func(string) []enginePacket {
		return []enginePacket{binaryPacket([]byte{0, 1, 2, 0xff})}
	}, want: closes},
	{name: "message without a Socket.IO packet", packets: frames("4"), want: closes},
	{name: "binary packet of invalid base64", packets: frames("b!!!"), want: closes},
	{name: "payload of empty packets", only: overPolling, packets: frames("", "", ""), want: closes},
	{name: "empty frame", only: overWebsocket, packets: frames(""), want: closes},

	// Socket.IO packets that are malformed or of the wrong type.
	{name: "unknown Socket.IO type", packets: frames("47[]"), want: closes},
	{name: "CONNECT_ERROR from a client", packets: frames(`44{"message":"x"}`), want: closes},
	{name: "truncated event", packets: frames(`427["ice",{"candidate":`), want: closes},
	{name: "event that is an object", packets: frames(`427{"ice":1}`), want: closes},
	{name: "event without a name", packets: frames("427[]"), want: closes},
	{name: "event name that is a number", packets: frames("427[5,{}]"), want: closes},
	{name: "event name that is an object", packets: frames(`427[{"a":1}]`), want: closes},
	{name: "invalid UTF-8 in an event", packets: frames("427[\"ice\",\"\xff\xfe\"]"), want: closes},
	{name: "ACK from a client, which roomcast never asks for", packets: frames("437[null]"), want: ignored},
	{name: "BINARY_EVENT whose attachment never comes", packets: frames(
		`451-7["ice",{"_placeholder":true,"num":0}]`, `427["ice",{}]`), want: closes},
	{name: "BINARY_EVENT naming an attachment it lacks", packets: func(string) []enginePacket {
		return []enginePacket{textPacket(`451-7["ice",{"_placeholder":true,"num":1}]`), binaryPacket([]byte{1})}
	}, want: closes},
	{name: "more attachments than allowed", packets: frames(`4511-7["ice",{"_placeholder":true,"num":0}]`), want: closes},
	{name: "event before the namespace connect", beforeConnect: true, packets: event(`"ice",{}`), want: closes},

	// Nesting and numbers past the bounds.
	{name: "JSON nested 10,000 levels in a relay", packets: event(`"ice",` + strings.Repeat("[", deepJSON) + strings.Repeat("]", deepJSON)), want: closes},
	{name: "JSON nested 10,000 levels in a join", packets: event(`"join",` + strings.Repeat(`{"a":`, deepJSON) + "1" + strings.Repeat("}", deepJSON)), want: closes},
	{name: "ack id of 16 digits", packets: frames(`421234567890123456["ice",{}]`), want: closes},
	{name: "ack id of 15 digits, the most", packets: frames(`42999999999999999["roomcast-test-probe"]`), want: answered(`43999999999999999[`)},

	// Namespaces.
	{name: "CONNECT to an unknown namespace", packets: frames("40/admin,"), want: answered(`44/admin,{"message":`)},
	{name: "event on an unknown namespace", packets: frames(`42/admin,7["ice",{}]`), want: closes},

	// join and leave with arguments of the wrong type.
	{name: "join a number", packets: event(`"join",5`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join an array", packets: event(`"join",["a","b"]`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join null", packets: event(`"join",null`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join nothing", packets: event(`"join"`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join a nested object", packets: event(`"join",{"room":{"room":"a"}}`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join a room named by an array", packets: event(`"join",{"room":["a"]}`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join a name with NUL", packets: event(`"join","a\u0000b"`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join a name with a newline", packets: event(`"join","a\nb"`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join a name with DEL", packets: event(`"join","a\u007fb"`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join a name of 10 KB", packets: event(`"join","` + strings.Repeat("r", longName) + `"`), want: refused(rooms.CodeInvalidRoom)},
	{name: "join a name of 1 MB", packets: event(`"join","` + strings.Repeat("r", hugeMessage) + `"`), want: closes},
	{name: "leave a number", packets: event(`"leave",5`), want: refused(rooms.CodeInvalidRoom)},
	{name: "leave an array", packets: event(`"leave",[]`), want: refused(rooms.CodeInvalidRoom)},
	{name: "leave a room named by a number", packets: event(`"leave",{"room":5}`), want: refused(rooms.CodeInvalidRoom)},
	{name: "leave a room it is not in", packets: event(`"leave","bystanders"`), want: refused(rooms.CodeNotInRoom)},

	// Relays addressed wrongly, or past the bounds.
	{name: "relay to a number", packets: event(`"offer",{"to":5}`), want: refused(rooms.CodeInvalidPayload)},
	{name: "relay to an empty id", packets: event(`"offer",{"to":""}`), want: refused(rooms.CodeInvalidPayload)},
	{name: "relay to an array", packets: event(`"offer",{"to":["x"]}`), want: refused(rooms.CodeInvalidPayload)},
	{name: "relay to a room named by an object", packets: event(`"offer",{"room":{}}`), want: refused(rooms.CodeInvalidPayload)},
	{name: "relay to a room name with a control character", packets: event(`"offer",{"room":"a\u0001"}`), want: refused(rooms.CodeInvalidRoom)},
	{name: "relay to nobody", packets: event(`"offer",{"to":"nobody"}`), want: refused(rooms.CodeNotInRoom)},
	{name: "relay to a bystander of another room", packets: func(a string) []enginePacket {
		return textPackets(fmt.Sprintf(`42%d["offer",{"to":%q,"sdp":"x"}]`, badAck, a))
	}, want: refused(rooms.CodeNotInRoom)},
	{name: "relay to another room", packets: event(`"message",{"room":"bystanders","n":-1}`), want: refused(rooms.CodeNotInRoom)},
	{name: "relay of 1 MB", packets: event(`"ice",{"candidate":"` + strings.Repeat("c", hugeMessage) + `"}`), want: closes},
	// Types the protocol relays as they are, to the offender's own room.
	{name: "relay a number", packets: event(`"ice",5`), want: acked},
	{name: "relay null", packets: event(`"ice",null`), want: acked},
	{name: "relay nested objects", packets: event(`"ice",` + strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)), want: acked},
	{name: "unknown event", packets: event(`"roomcast-no-such-event",{}`), want: refused(rooms.CodeUnknownEvent)},
	{name: "a server event from a client", packets: event(`"peer-left",{"room":"bystanders","id":"x"}`), want: refused(rooms.CodeUnknownEvent)},

	// Requests of sessions that do not exist, or out of turn.
	{name: "unknown sid", request: unknownSID},
	{name: "overlapping polls", only: overPolling, request: overlappingPolls},
	{name: "a poll of a websocket session", only: overWebsocket, request: pollOfWebsocketSession},
	{name: "a second websocket for a session", only: overWebsocket, request: secondWebsocket},
}

// Every row of bad input, over websocket and over polling: the offender is
// closed or answered clearly, the bystanders' streams arrive complete, in
// order, once, and nothing of the offenders reaches them.
func TestBadInputHarmsNobodyElse(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, withTransport(inRoom("bystanders"), "websocket"))
	b := d.connect(s, "b", clientV4, withTransport(inRoom("bystanders"), "polling"))
	a.wantPeerEvent(t, "peer-joined", "bystanders", b)
	fromA, fromB := startStream(t, a), startStream(t, b)

	for _, transport := range bothTransports {
		for _, row := range badRows {
			if row.only != "" && row.only != transport {
				continue
			}
			t.Run(transport+"/"+row.name, func(t *testing.T) {
				row.run(t, s, transport, a.ID)
				if !s.Alive() {
					t.Fatal("the server died")
				}
				// The bystanders relay on: each gets a message sent after
				// the row.
				fromA.reaches(t, b)
				fromB.reaches(t, a)
			})
		}
	}
	fromA.complete(t, b)
	fromB.complete(t, a)
	for _, p := range []*peer{a, b} {
		p.barrier(t)
		for _, r := range p.reportsOf("event") {
			if !bystanderEvents[r.Event] {
				t.Errorf("bystander %s received %s %s", p.name, r.Event, r.Args)
			}
		}
	}
}

// bystanderEvents are all a bystander may receive: its stream's
// messages, its room's news, and the ICE servers every socket is sent.
var bystanderEvents = map[string]bool{"message": true, rooms.EventJoined: true, rooms.EventPeerJoined: true,
	rooms.EventStunServers: true, rooms.EventTurnServers: true}

// A BINARY_EVENT whose placeholder names an attachment it lacks makes the
// official client close its connection ("parse error"): relayed, it would
// disconnect the sender's whole room. The server closes the sender, and
// the room's members stay connected and still get binary events.
func TestBadPlaceholderClosesOnlyItsSender(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	member := d.connect(s, "member", clientV4, withTransport(inRoom("files"), "websocket"))
	offender := connectedSession(t, s, overWebsocket, "&room=files")
	offender.send(textPacket(`451-["message",{"_placeholder":true,"num":1}]`), binaryPacket([]byte{1, 2, 3}))
	if err := awaitClose(offender); err != nil {
		t.Fatalf("the sender of a bad placeholder: %v, want it closed", err)
	}
	sender := connectedSession(t, s, overWebsocket, "&room=files")
	sender.send(textPacket(`451-["message",{"_placeholder":true,"num":0}]`), binaryPacket([]byte{4, 5, 6}))
	if got := member.next(t, "message").binary(t, 0); string(got) != "\x04\x05\x06" {
		t.Fatalf("the member got %v, want the good binary event", got)
	}
	member.barrier(t)
	if member.disconnected() {
		t.Fatalf("the member was disconnected:\n%s", member.history())
	}
}

func withTransport(opts map[string]any, transport string) map[string]any {
	opts["transports"] = []string{transport}
	return opts
}

// run sends the row's input from a fresh session and checks the verdict.
func (row badRow) run(t *testing.T, s *server, transport, bystander string) {
	t.Helper()
	if row.request != nil {
		row.request(t, s, transport)
		return
	}
	var hs handSession
	if row.beforeConnect {
		hs = openSession(t, s, transport, "")
	} else {
		hs = connectedSession(t, s, transport, "")
	}
	defer hs.close()
	hs.send(row.packets(bystander)...)
	if err := row.want.check(hs); err != nil {
		t.Fatalf("%s over %s: %v (closed with %d)", row.name, transport, err, hs.closeStatus())
	}
}

// check waits for the verdict; an answered offender must still be served.
func (v verdict) check(hs handSession) error {
	switch {
	case v.closes:
		if err := awaitClose(hs); err != nil {
			return fmt.Errorf("want the session closed: %w", err)
		}
		return nil
	case v.answer != "":
		if _, err := awaitPacket(hs, v.answer); err != nil {
			return fmt.Errorf("want an answer %q: %w", v.answer, err)
		}
	case v.ignored:
	default:
		code, err := ackCode(hs, badAck)
		if err != nil {
			return err
		}
		if code != v.code {
			return fmt.Errorf("acked %q, want %q", code, v.code)
		}
	}
	return stillServed(hs)
}

// stillServed checks that the session answers an event.
func stillServed(hs handSession) error {
	hs.send(textPacket(`429["roomcast-test-probe"]`))
	if code, err := ackCode(hs, 9); err != nil || code != rooms.CodeUnknownEvent {
		return fmt.Errorf("the session no longer answers: %q, %v", code, err)
	}
	return nil
}

// wantRefused fails unless the answer is the HTTP error of Engine.IO code.
func wantRefused(t *testing.T, what string, status int, body string, err error, code int) {
	t.Helper()
	var e struct{ Code *int }
	if err != nil || status != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Code == nil || *e.Code != code {
		t.Fatalf("%s: %d %s %v, want 400 with code %d", what, status, body, err, code)
	}
}

func unknownSID(t *testing.T, s *server, transport string) {
	url := fmt.Sprintf("http://%s/socket.io/?EIO=4&transport=polling&sid=no-such-session", s.Addr)
	if transport == overWebsocket {
		_, res, err := websocket.DefaultDialer.Dial(websocketURL(s, 4)+"&sid=no-such-session", nil)
		if err == nil || res == nil || res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a websocket for an unknown sid: %v, want 400", err)
		}
		return
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		status, body, err := pollRequest(method, url, "40", nil)
		wantRefused(t, method+" of an unknown sid", status, body, err, 1)
	}
}

// Two polls at once break the protocol's order: one is refused, and the
// session closed, which the other poll tells the client.
func overlappingPolls(t *testing.T, s *server, _ string) {
	p := connectedSession(t, s, overPolling, "").(*pollSession)
	type answer struct {
		status int
		body   string
		err    error
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			status, body, err := pollRequest(http.MethodGet, p.url, "", nil)
			answers <- answer{status, body, err}
		}()
	}
	// Nothing is queued for the session: whichever poll comes first waits
	// until the other arrives.
	first, second := <-answers, <-answers
	if first.status == http.StatusBadRequest {
		first, second = second, first
	}
	wantRefused(t, "the overlapping poll", second.status, second.body, second.err, 3)
	if first.err != nil || first.status != http.StatusOK || first.body != "1" {
		t.Fatalf("the other poll answered %d %q %v, want the close packet", first.status, first.body, first.err)
	}
}

func pollOfWebsocketSession(t *testing.T, s *server, _ string) {
	w := connectedSession(t, s, overWebsocket, "")
	defer w.close()
	url := fmt.Sprintf("http://%s/socket.io/?EIO=4&transport=polling&sid=%s", s.Addr, w.sid())
	status, body, err := pollRequest(http.MethodGet, url, "", nil)
	wantRefused(t, "a poll of a websocket session", status, body, err, 3)
	if err := stillServed(w); err != nil {
		t.Fatal(err)
	}
}

// One session has one websocket: a second one is closed at once, and the
// first goes on.
func secondWebsocket(t *testing.T, s *server, _ string) {
	w := connectedSession(t, s, overWebsocket, "")
	defer w.close()
	second, _, err := websocket.DefaultDialer.Dial(websocketURL(s, 4)+"&sid="+w.sid(), nil)
	if err == nil {
		defer second.Close()
		_ = second.SetReadDeadline(time.Now().Add(waitTimeout))
		if _, _, err := second.ReadMessage(); isTimeout(err) {
			t.Fatal("a second websocket for a session was left open")
		}
	}
	if err := stillServed(w); err != nil {
		t.Fatal(err)
	}
}

// stream is a bystander's numbered messages to its room, one every
// streamEvery from a goroutine of its own, for the length of the test.
type stream struct {
	from *peer
	sent atomic.Int64
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	err  error
}

// streamEvery paces a stream: 30 a second, under the default event rate.
const streamEvery = 33 * time.Millisecond

func startStream(t *testing.T, p *peer) *stream {
	st := &stream{from: p, stop: make(chan struct{}), done: make(chan struct{})}
	go st.run()
	t.Cleanup(st.halt)
	return st
}

func (st *stream) run() {
	defer close(st.done)
	tick := time.NewTicker(streamEvery)
	defer tick.Stop()
	for {
		select {
		case <-st.stop:
			return
		case <-tick.C:
		}
		n := st.sent.Load()
		line, _ := json.Marshal(map[string]any{"op": "emit", "peer": st.from.name, "event": "message",
			"args": []any{map[string]any{"stream": st.from.name, "n": n}}})
		// One write per line: the driver's stdin takes whole lines from
		// this goroutine and the test's at once.
		if _, err := st.from.d.stdin.Write(append(line, '\n')); err != nil {
			st.mu.Lock()
			st.err = err
			st.mu.Unlock()
			return
		}
		st.sent.Store(n + 1)
	}
}

func (st *stream) halt() {
	select {
	case <-st.stop:
	default:
		close(st.stop)
	}
	<-st.done
}

// reaches waits until to has received a message of the stream sent after
// now.
func (st *stream) reaches(t *testing.T, to *peer) {
	t.Helper()
	n := st.sent.Load()
	to.waitFor(t, func(r report) bool { return st.numberOf(r) >= n }, fmt.Sprintf("message %d of %s's stream", n, st.from.name))
}

// complete stops the stream and checks that to received every message of
// it, in order, once.
func (st *stream) complete(t *testing.T, to *peer) {
	t.Helper()
	st.halt()
	if st.err != nil {
		t.Fatalf("stream of %s: %v", st.from.name, st.err)
	}
	n := st.sent.Load()
	if n == 0 {
		t.Fatalf("%s's stream sent nothing", st.from.name)
	}
	var got []int64
	numbers := func() bool {
		got = got[:0]
		for _, r := range to.received("message") {
			if m := st.numberOf(r); m >= 0 {
				got = append(got, m)
			}
		}
		return len(got) > 0 && got[len(got)-1] == n-1
	}
	to.until(t, numbers, fmt.Sprintf("the last message of %s's stream", st.from.name))
	for i, m := range got {
		if m != int64(i) {
			t.Fatalf("%s received %s's stream as %v…: lost, repeated or reordered at %d", to.name, st.from.name, got[:i+1], i)
		}
	}
	if int64(len(got)) != n {
		t.Fatalf("%s received %d of the %d messages of %s's stream", to.name, len(got), n, st.from.name)
	}
	t.Logf("%s received all %d messages of %s's stream, in order", to.name, n, st.from.name)
}

// numberOf is the number of a message of the stream, or -1 for anything
// else.
func (st *stream) numberOf(r report) int64 {
	if r.Type != "event" || r.Event != "message" || len(r.Args) == 0 {
		return -1
	}
	var m struct {
		Stream string
		N      *int64
		From   string
	}
	if json.Unmarshal(r.Args[0], &m) != nil || m.Stream != st.from.name || m.N == nil || m.From != st.from.ID {
		return -1
	}
	return *m.N
}

// reportsOf returns every report of that type so far.
func (p *peer) reportsOf(typ string) []report {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []report
	for _, r := range p.reports {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// until waits up to waitTimeout for cond, which reads the peer's reports,
// to hold: unlike waitFor, it counts reports already returned.
func (p *peer) until(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		p.mu.Lock()
		changed := p.changed
		p.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("peer %s: no %s within %v", p.name, what, waitTimeout)
		}
	}
}
