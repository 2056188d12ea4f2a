package transport

import (
	"io"
	"net/http"
	"testing"

	"github.com/roomcast/roomcast/internal/eio"
)

// placeholder is the JSON that stands for attachment 0.
const placeholder = `{"_placeholder":true,"num":0}`

// TestPollingPayloadsOnTheWire posts payloads in each format and compares
// the exact bodies: the echoed events come back in one GET, in the same
// format.
func TestPollingPayloadsOnTheWire(t *testing.T) {
	tests := []struct {
		name        string
		v           variant
		post        string
		contentType string
		wantGet     string
	}{
		{
			name: "v4 text packets", v: variants[0],
			post:    `42["echo","a"]` + "\x1e" + `42["echo","€😀"]`,
			wantGet: `42["echo","a"]` + "\x1e" + `42["echo","€😀"]`,
		},
		{
			name: "v4 base64 binary", v: variants[0],
			post:    `451-["echo",` + placeholder + `]` + "\x1ebAQID",
			wantGet: `451-["echo",` + placeholder + `]` + "\x1ebAQID",
		},
		{
			// "€" is one UTF-16 unit and an emoji two, as JavaScript counts.
			name: "v3 text lengths in UTF-16 units", v: variants[2],
			post:    `15:42["echo","a€"]15:42["echo","😀"]`,
			wantGet: `15:42["echo","a€"]15:42["echo","😀"]`,
		},
		{
			name: "v3 base64 binary with b64=1", v: variants[2],
			post:    `42:451-["echo",` + placeholder + `]6:b4AQID`,
			wantGet: `42:451-["echo",` + placeholder + `]6:b4AQID`,
		},
		{
			// Lengths in bytes, one byte per digit; binary items carry the
			// type byte 4.
			name: "v3 binary payloads both ways", v: variants[3], contentType: "application/octet-stream",
			post:    "\x00\x04\x02\xff451-[\"echo\"," + placeholder + "]\x01\x04\xff\x04\x01\x02\x03",
			wantGet: "\x00\x04\x02\xff451-[\"echo\"," + placeholder + "]\x01\x04\xff\x04\x01\x02\x03",
		},
		{
			name: "v3 text payload from a client without b64", v: variants[3],
			post:    `16:42["echo","é😀"]`,
			wantGet: "\x00\x01\x09\xff42[\"echo\",\"é😀\"]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.openPolling(t, tt.v)
			ts.connect(t, c, tt.v, "")
			ct := tt.contentType
			if ct == "" {
				ct = "text/plain;charset=UTF-8"
			}
			if res := c.postRaw(t, []byte(tt.post), ct); res.status != http.StatusOK || string(res.body) != "ok" {
				t.Fatalf("POST answered %d %q", res.status, res.body)
			}
			res := c.poll(t)
			if res.status != http.StatusOK || string(res.body) != tt.wantGet {
				t.Fatalf("GET answered %d %q\nwant %q", res.status, res.body, tt.wantGet)
			}
		})
	}
}

// TestPostAnswersOK checks the answer to a POST: 200 and "ok".
func TestPostAnswersOK(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openPolling(t, variants[0])
	res := c.post(t, txt("40"))
	if res.status != http.StatusOK || string(res.body) != "ok" {
		t.Fatalf("POST answered %d %q, want 200 ok", res.status, res.body)
	}
}

// TestOneGetCarriesEveryQueuedPacket queues several packets before the
// client polls: one GET takes them all, in order.
func TestOneGetCarriesEveryQueuedPacket(t *testing.T) {
	for _, v := range []variant{variants[0], variants[2]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.openPolling(t, v)
			p := ts.connect(t, c, v, "")
			for _, arg := range []string{"1", "2", "3"} {
				p.sock.Emit("n", arg)
			}
			res := c.poll(t)
			want := `42["n","1"]` + "\x1e" + `42["n","2"]` + "\x1e" + `42["n","3"]`
			if v.v == eio.V3 {
				want = `11:42["n","1"]11:42["n","2"]11:42["n","3"]`
			}
			if string(res.body) != want {
				t.Fatalf("GET answered %q, want %q", res.body, want)
			}
		})
	}
}

// TestPollWaitsForPackets holds a GET until something is sent.
func TestPollWaitsForPackets(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openPolling(t, variants[0])
	p := ts.connect(t, c, variants[0], "")
	got := make(chan response, 1)
	go func() { got <- c.poll(t) }()
	ts.waitPollPending(t, c.sid())
	p.sock.Emit("late")
	if res := <-got; string(res.body) != `42["late"]` {
		t.Fatalf("the pending GET answered %q, want 42[\"late\"]", res.body)
	}
}

// TestConcurrentGetClosesTheSession: a second GET while one is pending
// breaks the ordering the protocol guarantees. The first answers a close
// packet, the second 400, and the session is gone.
func TestConcurrentGetClosesTheSession(t *testing.T) {
	for _, v := range []variant{variants[0], variants[2]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.openPolling(t, v)
			p := ts.connect(t, c, v, "")
			first := make(chan response, 1)
			go func() { first <- c.poll(t) }()
			ts.waitPollPending(t, c.sid())
			c.poll(t).wantError(t, http.StatusBadRequest, eio.BadRequest)
			res := <-first
			want := "1"
			if v.v == eio.V3 {
				want = "1:1"
			}
			if res.status != http.StatusOK || string(res.body) != want {
				t.Fatalf("the first GET answered %d %q, want 200 %q", res.status, res.body, want)
			}
			c.poll(t).wantError(t, http.StatusBadRequest, eio.UnknownSID)
			if reason := p.waitDisconnect(t); reason != ReasonParseError {
				t.Fatalf("Disconnect reason %q, want %q", reason, ReasonParseError)
			}
		})
	}
}

// TestConcurrentPostClosesTheSession holds a POST open (its body not yet
// sent) and sends a second one.
func TestConcurrentPostClosesTheSession(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openPolling(t, variants[0])
	p := ts.connect(t, c, variants[0], "")

	body, hold := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, ts.url+"?"+c.query(), body)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan int, 1)
	go func() {
		res, err := ts.client.Do(req)
		if err != nil {
			first <- 0
			return
		}
		res.Body.Close()
		first <- res.StatusCode
	}()
	waitUntil(t, "the first POST is being read", func() bool {
		return ts.sessionState(c.sid(), func(s *session) bool { return s.posting })
	})
	c.post(t, txt(`42["x"]`)).wantError(t, http.StatusBadRequest, eio.BadRequest)
	hold.Write([]byte(`42["late"]`))
	hold.Close()
	if status := <-first; status != http.StatusBadRequest {
		t.Fatalf("the first POST answered %d, want 400 once its session is gone", status)
	}
	c.poll(t).wantError(t, http.StatusBadRequest, eio.UnknownSID)
	p.waitDisconnect(t)
	p.noEvents(t)
}

// TestClientClosePacketOverPolling: the client's close packet ends the
// session; a pending GET is released with a noop, as the reference does,
// and the POST still answers ok.
func TestClientClosePacketOverPolling(t *testing.T) {
	for _, v := range []variant{variants[0], variants[2]} {
		t.Run(v.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.openPolling(t, v)
			p := ts.connect(t, c, v, "")
			pending := make(chan response, 1)
			go func() { pending <- c.poll(t) }()
			ts.waitPollPending(t, c.sid())
			c.send(t, txt("1"))
			want := "6"
			if v.v == eio.V3 {
				want = "1:6"
			}
			if res := <-pending; res.status != http.StatusOK || string(res.body) != want {
				t.Fatalf("the pending GET answered %d %q, want %q", res.status, res.body, want)
			}
			c.poll(t).wantError(t, http.StatusBadRequest, eio.UnknownSID)
			if reason := p.waitDisconnect(t); reason != ReasonTransportClose {
				t.Fatalf("Disconnect reason %q, want %q", reason, ReasonTransportClose)
			}
		})
	}
}

// TestServerCloseOverPolling: a session the server ends answers a pending
// GET with a close packet.
func TestServerCloseOverPolling(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openPolling(t, variants[0])
	p := ts.connect(t, c, variants[0], "")
	pending := make(chan response, 1)
	go func() { pending <- c.poll(t) }()
	ts.waitPollPending(t, c.sid())
	p.sock.Close(ReasonClosedByApplication)
	if res := <-pending; string(res.body) != "1" {
		t.Fatalf("the pending GET answered %q, want the close packet", res.body)
	}
	c.poll(t).wantError(t, http.StatusBadRequest, eio.UnknownSID)
	if reason := p.waitDisconnect(t); reason != ReasonClosedByApplication {
		t.Fatalf("Disconnect reason %q", reason)
	}
}

// TestPollingRequestsForAWebsocketSession: polling requests for a websocket session,
// or with the wrong EIO, are refused without closing it.
func TestPollingRequestsForAWebsocketSession(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openWS(t, variants[1])
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		ts.do(t, method, "EIO=4&transport=polling&sid="+c.sid(), []byte("40"), nil).wantError(t, http.StatusBadRequest, eio.BadRequest)
	}
	ts.do(t, http.MethodGet, "EIO=3&transport=polling&sid="+c.sid(), nil, nil).wantError(t, http.StatusBadRequest, eio.BadRequest)
	ts.connect(t, c, variants[1], "") // the session still works
}

// TestRequestsRacingTheClose: a request that finds a session closed but not
// yet out of the sid table (close forgets the sid just after marking it)
// is answered as for a forgotten one. The test holds the session in that
// moment by marking it closed itself.
func TestRequestsRacingTheClose(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openPolling(t, variants[0])
	s := ts.srv.lookup(c.sid())
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	t.Cleanup(func() { // before the server's Close, which waits for this session
		s.mu.Lock()
		s.closed = false
		s.mu.Unlock()
		s.close(ReasonClosedByApplication)
	})
	c.poll(t).wantError(t, http.StatusBadRequest, eio.UnknownSID)
	c.post(t, txt("40")).wantError(t, http.StatusBadRequest, eio.UnknownSID)
}
