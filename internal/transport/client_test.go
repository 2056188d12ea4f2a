package transport

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
)

// The tests' raw clients: HTTP requests and websocket frames written and
// read by hand, with encoders and decoders of their own rather than the
// package's, so that a shared mistake cannot hide.

// testServer is a transport mounted on /socket.io/ of an httptest server,
// handing its sockets to a fixture.
type testServer struct {
	srv    *Server
	h      *fixture
	http   *httptest.Server
	client *http.Client
	url    string // http://127.0.0.1:port/socket.io/
	logs   *syncBuffer
}

// testConfig is DefaultConfig with every timer far beyond a test's length;
// the tests of a timer shorten it.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.PingInterval, cfg.PingTimeout = time.Minute, time.Minute
	cfg.ConnectTimeout, cfg.UpgradeTimeout = time.Minute, time.Minute
	return cfg
}

// newTestServer starts a server with testConfig changed by configure. At
// the end of the test it closes it, checks the handler contract and, when
// the test failed, logs the transport's debug lines.
func newTestServer(t *testing.T, configure ...func(*Config)) *testServer {
	t.Helper()
	ts := &testServer{h: newFixture(), logs: &syncBuffer{}}
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, c := range configure {
		c(&cfg)
	}
	srv, err := New(cfg, ts.h)
	if err != nil {
		t.Fatal(err)
	}
	ts.srv = srv
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts.http = httptest.NewServer(mux)
	ts.client = &http.Client{Transport: &http.Transport{}, Timeout: waitTimeout}
	ts.url = ts.http.URL + "/socket.io/"
	t.Cleanup(func() {
		ts.srv.Close()
		ts.client.CloseIdleConnections()
		ts.http.Close()
		ts.h.check(t)
		if t.Failed() {
			t.Logf("transport log:\n%s", ts.logs.String())
		}
	})
	return ts
}

// syncBuffer collects log lines from any goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// response is an HTTP answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorBody is the JSON of a refused request.
type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// do sends one request to the transport; query follows "?".
func (ts *testServer) do(t *testing.T, method, query string, body []byte, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+"?"+query, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s ?%s: %v", method, query, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s ?%s: reading the body: %v", method, query, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// wantError checks a refusal: its status and its {"code","message"} body.
func (r response) wantError(t *testing.T, status int, code eio.ErrorCode) {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil || r.status != status || e.Code != int(code) || e.Message != code.Message() {
		t.Fatalf("answer %d %q, want %d {\"code\":%d,\"message\":%q}", r.status, r.body, status, code, code.Message())
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("refusal Content-Type %q, want application/json", ct)
	}
}

// wsURL is the websocket address for a query.
func (ts *testServer) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(ts.url, "http") + "?" + query
}

// dialWS opens a websocket, failing the test unless it is accepted.
func (ts *testServer) dialWS(t *testing.T, query string, header http.Header) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	c, res, err := d.Dial(ts.wsURL(query), header)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("websocket ?%s: %v (HTTP %d)", query, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sessionCount is the size of the sid table.
func (ts *testServer) sessionCount() int {
	ts.srv.mu.Lock()
	defer ts.srv.mu.Unlock()
	return len(ts.srv.sessions)
}

// sessionState reads one field of a live session under its lock; false
// when the sid is unknown.
func (ts *testServer) sessionState(sid string, read func(*session) bool) bool {
	s := ts.srv.lookup(sid)
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return read(s)
}

// waitUntil polls cond until it holds, failing the test after waitTimeout.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond) // polling a condition, with a deadline
	}
}

// waitPollPending waits until a GET of the session is held open by the
// server: only then is the next request a concurrent one.
func (ts *testServer) waitPollPending(t *testing.T, sid string) {
	t.Helper()
	waitUntil(t, "the GET is pending", func() bool {
		return ts.sessionState(sid, func(s *session) bool { return s.getWaiting })
	})
}

// packet is an Engine.IO packet as a test sees it: text ("42[…]", type
// digit included) or the bytes of a binary message.
type packet struct {
	text   string
	bytes  []byte
	binary bool
}

func txt(s string) packet  { return packet{text: s} }
func bin(b ...byte) packet { return packet{bytes: b, binary: true} }
func (p packet) String() string {
	if p.binary {
		return "binary" + strconv.Quote(string(p.bytes))
	}
	return strconv.Quote(p.text)
}

func (p packet) equal(q packet) bool {
	return p.binary == q.binary && p.text == q.text && bytes.Equal(p.bytes, q.bytes)
}

// utf16Len counts characters as JavaScript strings do.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// Payload encoders, as the official clients write them.

func encodeV4(ps ...packet) []byte {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.text
		if p.binary {
			parts[i] = "b" + base64.StdEncoding.EncodeToString(p.bytes)
		}
	}
	return []byte(strings.Join(parts, "\x1e"))
}

func encodeV3Text(ps ...packet) []byte {
	var b strings.Builder
	for _, p := range ps {
		s := p.text
		if p.binary {
			s = "b4" + base64.StdEncoding.EncodeToString(p.bytes)
		}
		b.WriteString(strconv.Itoa(utf16Len(s)) + ":" + s)
	}
	return []byte(b.String())
}

func encodeV3Binary(ps ...packet) []byte {
	var b []byte
	for _, p := range ps {
		kind, content := byte(0), []byte(p.text)
		if p.binary {
			kind, content = 1, append([]byte{4}, p.bytes...)
		}
		b = append(b, kind)
		for _, d := range strconv.Itoa(len(content)) {
			b = append(b, byte(d-'0'))
		}
		b = append(append(b, 0xff), content...)
	}
	return b
}

// Payload decoders. They fail the test on anything malformed.

func decodeV4(t *testing.T, body []byte) []packet {
	t.Helper()
	var ps []packet
	for _, part := range strings.Split(string(body), "\x1e") {
		if strings.HasPrefix(part, "b") {
			b, err := base64.StdEncoding.DecodeString(part[1:])
			if err != nil {
				t.Fatalf("payload %q: %v", body, err)
			}
			ps = append(ps, bin(b...))
			continue
		}
		if part == "" {
			t.Fatalf("payload %q has an empty packet", body)
		}
		ps = append(ps, txt(part))
	}
	return ps
}

func decodeV3Text(t *testing.T, body []byte) []packet {
	t.Helper()
	var ps []packet
	units := utf16.Encode([]rune(string(body)))
	for len(units) > 0 {
		colon := -1
		for i, u := range units {
			if u == ':' {
				colon = i
				break
			}
		}
		if colon <= 0 {
			t.Fatalf("payload %q: no length", body)
		}
		n, err := strconv.Atoi(string(utf16.Decode(units[:colon])))
		if err != nil || n <= 0 || colon+1+n > len(units) {
			t.Fatalf("payload %q: bad length", body)
		}
		s := string(utf16.Decode(units[colon+1 : colon+1+n]))
		units = units[colon+1+n:]
		if strings.HasPrefix(s, "b4") {
			b, err := base64.StdEncoding.DecodeString(s[2:])
			if err != nil {
				t.Fatalf("payload %q: %v", body, err)
			}
			ps = append(ps, bin(b...))
			continue
		}
		ps = append(ps, txt(s))
	}
	return ps
}

func decodeV3Binary(t *testing.T, body []byte) []packet {
	t.Helper()
	var ps []packet
	for len(body) > 0 {
		kind, n, i := body[0], 0, 1
		for ; i < len(body) && body[i] != 0xff; i++ {
			if body[i] > 9 {
				t.Fatalf("binary payload: length digit %d", body[i])
			}
			n = n*10 + int(body[i])
		}
		if i == 1 || i+1+n > len(body) || kind > 1 {
			t.Fatalf("binary payload %v: bad header", body)
		}
		content := body[i+1 : i+1+n]
		body = body[i+1+n:]
		if kind == 1 {
			if len(content) == 0 || content[0] != 4 {
				t.Fatalf("binary payload: binary item of type %v", content)
			}
			ps = append(ps, bin(content[1:]...))
			continue
		}
		ps = append(ps, txt(string(content)))
	}
	return ps
}

// client is one raw session, over either transport, so that the Socket.IO
// tests run over every combination.
type client interface {
	// sid is the Engine.IO session id.
	sid() string
	// send sends packets: one POST for them all, or a frame each.
	send(t *testing.T, ps ...packet)
	// recv returns the next packet from the server.
	recv(t *testing.T) packet
	// waitClosed waits until the server has ended the session.
	waitClosed(t *testing.T)
}

// variant is a protocol version and transport of the official clients.
type variant struct {
	name      string
	v         eio.Version
	websocket bool
	b64       bool // version 3 polling: b64=1 (text payloads) or XHR2 (binary payloads)
}

var variants = []variant{
	{name: "v4 polling", v: eio.V4},
	{name: "v4 websocket", v: eio.V4, websocket: true},
	{name: "v3 polling b64", v: eio.V3, b64: true},
	{name: "v3 polling binary", v: eio.V3},
	{name: "v3 websocket", v: eio.V3, websocket: true},
}

func (v variant) query(transport string) string {
	q := "EIO=" + strconv.Itoa(int(v.v)) + "&transport=" + transport
	if v.b64 {
		q += "&b64=1"
	}
	return q
}

// open starts a session of the variant and reads its handshake.
func (ts *testServer) open(t *testing.T, v variant) client {
	t.Helper()
	if v.websocket {
		return ts.openWS(t, v)
	}
	return ts.openPolling(t, v)
}

// handshake is the open packet's data.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval *int64   `json:"pingInterval"`
	PingTimeout  *int64   `json:"pingTimeout"`
	MaxPayload   *int64   `json:"maxPayload"`
}

func parseOpen(t *testing.T, p packet) handshake {
	t.Helper()
	var h handshake
	if p.binary || !strings.HasPrefix(p.text, "0") || json.Unmarshal([]byte(p.text[1:]), &h) != nil || h.SID == "" {
		t.Fatalf("open packet %v is not 0{\"sid\":…}", p)
	}
	return h
}

// pollClient is a polling session.
type pollClient struct {
	ts      *testServer
	v       variant
	id      string
	pending []packet
}

func (ts *testServer) openPolling(t *testing.T, v variant) *pollClient {
	t.Helper()
	c := &pollClient{ts: ts, v: v}
	res := ts.do(t, http.MethodGet, v.query("polling"), nil, nil)
	ps := c.decode(t, res)
	if len(ps) != 1 {
		t.Fatalf("handshake answer %v: want the open packet alone", ps)
	}
	c.id = parseOpen(t, ps[0]).SID
	return c
}

func (c *pollClient) sid() string { return c.id }

func (c *pollClient) query() string { return c.v.query("polling") + "&sid=" + c.id }

// decode reads a 200 polling answer in the format the variant expects.
func (c *pollClient) decode(t *testing.T, res response) []packet {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("poll answered %d %q", res.status, res.body)
	}
	ct := res.header.Get("Content-Type")
	switch {
	case c.v.v == eio.V4 || c.v.b64:
		if ct != "text/plain; charset=UTF-8" {
			t.Fatalf("poll Content-Type %q, want text/plain; charset=UTF-8", ct)
		}
		if c.v.v == eio.V4 {
			return decodeV4(t, res.body)
		}
		return decodeV3Text(t, res.body)
	default:
		if ct != "application/octet-stream" {
			t.Fatalf("poll Content-Type %q, want application/octet-stream", ct)
		}
		return decodeV3Binary(t, res.body)
	}
}

// encode writes a POST body as the variant's client does: version 3 XHR2
// clients send binary payloads.
func (c *pollClient) encode(ps ...packet) (body []byte, contentType string) {
	switch {
	case c.v.v == eio.V4:
		return encodeV4(ps...), "text/plain;charset=UTF-8"
	case c.v.b64:
		return encodeV3Text(ps...), "text/plain;charset=UTF-8"
	default:
		return encodeV3Binary(ps...), "application/octet-stream"
	}
}

// poll sends one GET and returns its answer.
func (c *pollClient) poll(t *testing.T) response {
	t.Helper()
	return c.ts.do(t, http.MethodGet, c.query(), nil, nil)
}

// post sends one POST of packets and returns its answer.
func (c *pollClient) post(t *testing.T, ps ...packet) response {
	t.Helper()
	body, ct := c.encode(ps...)
	return c.postRaw(t, body, ct)
}

func (c *pollClient) postRaw(t *testing.T, body []byte, contentType string) response {
	t.Helper()
	return c.ts.do(t, http.MethodPost, c.query(), body, http.Header{"Content-Type": {contentType}})
}

func (c *pollClient) send(t *testing.T, ps ...packet) {
	t.Helper()
	res := c.post(t, ps...)
	if res.status != http.StatusOK || string(res.body) != "ok" {
		t.Fatalf("POST %v answered %d %q, want 200 ok", ps, res.status, res.body)
	}
}

func (c *pollClient) recv(t *testing.T) packet {
	t.Helper()
	for len(c.pending) == 0 {
		c.pending = c.decode(t, c.poll(t))
	}
	p := c.pending[0]
	c.pending = c.pending[1:]
	return p
}

// waitClosed polls until the sid is unknown; a session closing under a
// pending GET answers it with a close or noop packet first.
func (c *pollClient) waitClosed(t *testing.T) {
	t.Helper()
	for range 10 {
		res := c.poll(t)
		if res.status == http.StatusBadRequest {
			res.wantError(t, http.StatusBadRequest, eio.UnknownSID)
			return
		}
		for _, p := range c.decode(t, res) {
			if p.text != "1" && p.text != "6" {
				t.Fatalf("waiting for the session to close: got %v", p)
			}
		}
	}
	t.Fatal("the session does not close")
}

// wsClient is a websocket session.
type wsClient struct {
	c  *websocket.Conn
	v  variant
	id string
}

func (ts *testServer) openWS(t *testing.T, v variant) *wsClient {
	t.Helper()
	c := &wsClient{c: ts.dialWS(t, v.query("websocket"), nil), v: v}
	c.id = parseOpen(t, c.recv(t)).SID
	return c
}

func (c *wsClient) sid() string { return c.id }

func (c *wsClient) send(t *testing.T, ps ...packet) {
	t.Helper()
	for _, p := range ps {
		var err error
		switch {
		case !p.binary:
			err = c.c.WriteMessage(websocket.TextMessage, []byte(p.text))
		case c.v.v == eio.V3:
			err = c.c.WriteMessage(websocket.BinaryMessage, append([]byte{4}, p.bytes...))
		default:
			err = c.c.WriteMessage(websocket.BinaryMessage, p.bytes)
		}
		if err != nil {
			t.Fatalf("websocket write %v: %v", p, err)
		}
	}
}

func (c *wsClient) recv(t *testing.T) packet {
	t.Helper()
	c.c.SetReadDeadline(time.Now().Add(waitTimeout))
	typ, b, err := c.c.ReadMessage()
	if err != nil {
		t.Fatalf("websocket read: %v", err)
	}
	if typ == websocket.TextMessage {
		return txt(string(b))
	}
	if c.v.v == eio.V3 {
		if len(b) == 0 || b[0] != 4 {
			t.Fatalf("version 3 binary frame %v does not start with the message type", b)
		}
		b = b[1:]
	}
	return bin(b...)
}

// waitClosed reads until the server closes the websocket.
func (c *wsClient) waitClosed(t *testing.T) {
	t.Helper()
	wsWaitClosed(t, c.c)
}

func wsWaitClosed(t *testing.T, c *websocket.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the server does not close the websocket")
		}
		return
	}
}

// connect opens the main namespace as the variant's client does: version
// 4 clients send CONNECT (with auth, when not empty) and get {"sid"};
// version 3 servers connect by themselves. It returns the socket's peer.
func (ts *testServer) connect(t *testing.T, c client, v variant, auth string) *peer {
	t.Helper()
	if v.v == eio.V4 {
		c.send(t, txt("40"+auth))
	}
	p := ts.h.nextPeer(t)
	ack := c.recv(t)
	if v.v == eio.V3 {
		if ack.text != "40" {
			t.Fatalf("version 3 connect: got %v, want \"40\"", ack)
		}
		return p
	}
	var answer struct {
		SID string `json:"sid"`
	}
	if !strings.HasPrefix(ack.text, "40") || json.Unmarshal([]byte(ack.text[2:]), &answer) != nil || answer.SID != p.sock.ID() {
		t.Fatalf("connect answer %v, want 40{\"sid\":%q}", ack, p.sock.ID())
	}
	return p
}

// expect reads the next packets and compares them with want.
func expect(t *testing.T, c client, want ...packet) {
	t.Helper()
	for i, w := range want {
		if got := c.recv(t); !got.equal(w) {
			t.Fatalf("packet %d: got %v, want %v", i, got, w)
		}
	}
}
