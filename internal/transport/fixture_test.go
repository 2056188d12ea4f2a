package transport

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/sio"
)

// waitTimeout bounds every wait of these tests: for a packet, a call of the
// handler, a session to close.
const waitTimeout = 5 * time.Second

// Event names the fixture answers.
const (
	eventEcho  = "echo"  // emitted back with the same arguments (and attachments)
	eventBye   = "bye"   // the server disconnects the socket
	eventBlock = "block" // the handler waits for fixture.release
)

// fixture is the tests' Handler. It records every call on the calling
// socket's peer, whose channels the tests wait on, checks the Handler
// contract (calls for one socket never overlap, nothing after Disconnect,
// Disconnect once), and answers a few events: eventEcho is emitted back,
// any event with an ack id is acknowledged with its arguments, eventBye
// disconnects the socket, eventBlock waits for release.
type fixture struct {
	// peers receives every Connect call, admitted or not.
	peers chan *peer
	// onConnect, when set, runs inside Connect and gives its answer.
	onConnect func(*Socket, json.RawMessage) error
	// release lets eventBlock calls return, one per value.
	release chan struct{}

	mu         sync.Mutex
	violations []string
}

// peer is one socket as the fixture saw it.
type peer struct {
	f            *fixture
	sock         *Socket
	auth         json.RawMessage
	refused      error
	events       chan record
	disconnected chan string
	busy, gone   atomic.Bool
}

// record is one Event call, copied: the event is valid only during it.
type record struct {
	name        string
	args        string // the arguments as a JSON array
	ackID       int64
	attachments [][]byte
}

// recordBuffer holds a peer's records that no test has waited for yet;
// the handler never blocks on a test that reads none.
const recordBuffer = 4096

func newFixture() *fixture {
	return &fixture{peers: make(chan *peer, recordBuffer), release: make(chan struct{})}
}

func (f *fixture) violate(format string, args ...any) {
	f.mu.Lock()
	f.violations = append(f.violations, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

// check reports every breach of the Handler contract seen so far.
func (f *fixture) check(t *testing.T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range f.violations {
		t.Error("handler contract: " + v)
	}
}

func (p *peer) enter(call string) {
	if p.busy.Swap(true) {
		p.f.violate("%s for socket %s overlaps another call", call, p.sock.ID())
	}
	if p.gone.Load() {
		p.f.violate("%s for socket %s after its Disconnect", call, p.sock.ID())
	}
}

func (p *peer) leave() { p.busy.Store(false) }

func (f *fixture) Connect(s *Socket, auth json.RawMessage) error {
	p := &peer{f: f, sock: s, auth: append(json.RawMessage(nil), auth...), events: make(chan record, recordBuffer), disconnected: make(chan string, 1)}
	if auth == nil {
		p.auth = nil
	}
	s.SetValue(p)
	p.enter("Connect")
	defer p.leave()
	if f.onConnect != nil {
		p.refused = f.onConnect(s, auth)
	}
	f.peers <- p
	return p.refused
}

func (f *fixture) Event(s *Socket, ev *Event) {
	p := s.Value().(*peer)
	p.enter("Event")
	defer p.leave()
	if p.refused != nil {
		f.violate("Event for socket %s whose Connect was refused", s.ID())
	}
	r := record{name: string(ev.Name), args: argsArray(ev), ackID: ev.AckID}
	for _, a := range ev.Attachments {
		r.attachments = append(r.attachments, append([]byte{}, a...))
	}
	p.events <- r
	switch r.name {
	case eventEcho:
		echo(s, r)
	case eventBye:
		s.Disconnect()
	case eventBlock:
		<-f.release
	}
	if r.ackID != NoAck {
		s.Ack(r.ackID, json.RawMessage(r.args))
	}
}

func (f *fixture) Disconnect(s *Socket, reason string) {
	p := s.Value().(*peer)
	p.enter("Disconnect")
	defer p.leave()
	if p.refused != nil {
		f.violate("Disconnect for socket %s whose Connect was refused", s.ID())
	}
	p.gone.Store(true)
	p.disconnected <- reason
}

// argsArray is an event's arguments, after its name, as a JSON array.
func argsArray(ev *Event) string {
	it := ev.Args // a copy: the handler's own iterator stays unread
	var args []string
	for a, ok := it.Next(); ok; a, ok = it.Next() {
		args = append(args, string(a))
	}
	return "[" + strings.Join(args, ",") + "]"
}

// echo emits ["echo", args…] back, with the attachments when there were
// some.
func echo(s *Socket, r record) {
	data := `["echo"`
	if r.args != "[]" {
		data += "," + r.args[1:len(r.args)-1]
	}
	data += "]"
	if len(r.attachments) == 0 {
		s.Send(append(sio.AppendHeader(nil, sio.Event, "", 0, sio.NoID), data...))
		return
	}
	s.SendBinary(append(sio.AppendHeader(nil, sio.BinaryEvent, "", len(r.attachments), sio.NoID), data...), r.attachments)
}

// nextPeer waits for the next Connect call.
func (f *fixture) nextPeer(t *testing.T) *peer {
	t.Helper()
	select {
	case p := <-f.peers:
		return p
	case <-time.After(waitTimeout):
		t.Fatal("no Connect call")
		return nil
	}
}

// nextEvent waits for the peer's next Event call.
func (p *peer) nextEvent(t *testing.T) record {
	t.Helper()
	select {
	case r := <-p.events:
		return r
	case <-time.After(waitTimeout):
		t.Fatalf("socket %s: no Event call", p.sock.ID())
		return record{}
	}
}

// waitDisconnect waits for the peer's Disconnect and returns its reason.
func (p *peer) waitDisconnect(t *testing.T) string {
	t.Helper()
	select {
	case reason := <-p.disconnected:
		return reason
	case <-time.After(waitTimeout):
		t.Fatalf("socket %s: no Disconnect call", p.sock.ID())
		return ""
	}
}

// noEvents checks that no Event call is waiting to be read.
func (p *peer) noEvents(t *testing.T) {
	t.Helper()
	select {
	case r := <-p.events:
		t.Fatalf("socket %s: unexpected event %+v", p.sock.ID(), r)
	default:
	}
}
