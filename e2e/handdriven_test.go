package e2e

// Socket.IO sessions driven by hand over either transport, for the tests
// that send what no official client would and watch exactly what the
// server answers: a packet, an ack, a close.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The transports a hand-driven session can use.
const (
	overWebsocket = "websocket"
	overPolling   = "polling"
)

var bothTransports = []string{overWebsocket, overPolling}

// enginePacket is one Engine.IO packet a client sends: text, or binary
// data (an attachment).
type enginePacket struct {
	text   string
	binary []byte
	isBin  bool
}

func textPacket(s string) enginePacket   { return enginePacket{text: s} }
func binaryPacket(b []byte) enginePacket { return enginePacket{binary: b, isBin: true} }
func textPackets(s ...string) []enginePacket {
	out := make([]enginePacket, len(s))
	for i, p := range s {
		out[i] = textPacket(p)
	}
	return out
}

// errHang is what next returns when the server neither answered nor
// closed the session within waitTimeout.
var errHang = errors.New("the server neither answered nor closed the session")

// handSession is a socket.io session driven by hand.
type handSession interface {
	// send sends packets: over a websocket one frame each, over polling
	// one POST. A send the server refuses (or a write to a connection it
	// closed) is no error: the close shows in next.
	send(packets ...enginePacket)
	// next returns the next Engine.IO packet the server sent, as text
	// (binary packets base64 with a "b" prefix); closed once the server
	// has closed the session; errHang if it did neither in time.
	next() (packet string, closed bool, err error)
	// sid is the Engine.IO session id.
	sid() string
	// closeStatus is how the server closed it: the websocket close code,
	// or the HTTP status of the refused POST (0 when neither was seen).
	closeStatus() int
	close()
}

// openSession makes the Engine.IO handshake over transport, with extra
// query parameters (e.g. "&room=x"), and returns the session once the
// open packet has arrived.
func openSession(t *testing.T, s *server, transport, query string) handSession {
	t.Helper()
	var hs handSession
	var err error
	if transport == overWebsocket {
		hs, err = openWebsocketSession(s, query, nil)
	} else {
		hs, err = openPollingSession(s, query, nil)
	}
	if err != nil {
		t.Fatalf("%s handshake: %v", transport, err)
	}
	t.Cleanup(hs.close)
	return hs
}

// connectedSession is openSession followed by the namespace connect.
func connectedSession(t *testing.T, s *server, transport, query string) handSession {
	t.Helper()
	hs := openSession(t, s, transport, query)
	hs.send(textPacket("40"))
	if _, err := awaitPacket(hs, "40"); err != nil {
		t.Fatalf("%s namespace connect: %v", transport, err)
	}
	return hs
}

// awaitPacket reads packets until one starts with prefix.
func awaitPacket(hs handSession, prefix string) (string, error) {
	for {
		pkt, closed, err := hs.next()
		switch {
		case err != nil:
			return "", err
		case closed:
			return "", fmt.Errorf("closed (status %d) before a packet %q…", hs.closeStatus(), prefix)
		case strings.HasPrefix(pkt, prefix):
			return pkt, nil
		}
	}
}

// awaitClose reads packets until the server closes the session.
func awaitClose(hs handSession) error {
	for {
		_, closed, err := hs.next()
		if err != nil || closed {
			return err
		}
	}
}

// ackOf waits for the ack of id and returns its arguments.
func ackOf(hs handSession, id int) ([]json.RawMessage, error) {
	pkt, err := awaitPacket(hs, "43"+strconv.Itoa(id)+"[")
	if err != nil {
		return nil, err
	}
	var args []json.RawMessage
	if err := json.Unmarshal([]byte(strings.TrimPrefix(pkt, "43"+strconv.Itoa(id))), &args); err != nil || len(args) == 0 {
		return nil, fmt.Errorf("ack %q: %v", pkt, err)
	}
	return args, nil
}

// ackCode waits for the ack of id and returns its error code, "" for a
// success; an error without a code or message is an error.
func ackCode(hs handSession, id int) (string, error) {
	args, err := ackOf(hs, id)
	if err != nil {
		return "", err
	}
	if string(args[0]) == "null" {
		return "", nil
	}
	var e wireError
	if err := json.Unmarshal(args[0], &e); err != nil || e.Code == "" || e.Message == "" {
		return "", fmt.Errorf("ack error %s is not {code, message}", args[0])
	}
	return e.Code, nil
}

// wsSession is a hand-driven websocket session.
type wsSession struct {
	conn   *websocket.Conn
	id     string
	status int
}

// openWebsocketSession dials the Engine.IO websocket endpoint with header
// and reads the open packet.
func openWebsocketSession(s *server, query string, header http.Header) (*wsSession, error) {
	return dialWebsocketSession(s, query, header, websocket.DefaultDialer)
}

// dialWebsocketSession is openWebsocketSession with a dialer of its own.
func dialWebsocketSession(s *server, query string, header http.Header, dialer *websocket.Dialer) (*wsSession, error) {
	conn, res, err := dialer.Dial(websocketURL(s, 4)+query, header)
	if err != nil {
		if res != nil {
			body, _ := io.ReadAll(res.Body)
			return nil, &refusal{status: res.StatusCode, body: string(body)}
		}
		return nil, err
	}
	w := &wsSession{conn: conn}
	open, closed, err := w.next()
	if err != nil || closed || !strings.HasPrefix(open, "0{") {
		conn.Close()
		return nil, fmt.Errorf("open packet %q, closed %v, %v", open, closed, err)
	}
	var o struct{ SID string }
	_ = json.Unmarshal([]byte(open[1:]), &o)
	w.id = o.SID
	return w, nil
}

func (w *wsSession) send(packets ...enginePacket) {
	for _, p := range packets {
		typ, data := websocket.TextMessage, []byte(p.text)
		if p.isBin {
			typ, data = websocket.BinaryMessage, p.binary
		}
		if w.conn.WriteMessage(typ, data) != nil {
			return
		}
	}
}

func (w *wsSession) next() (string, bool, error) {
	_ = w.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	typ, data, err := w.conn.ReadMessage()
	var closeErr *websocket.CloseError
	switch {
	case errors.As(err, &closeErr):
		w.status = closeErr.Code
		return "", true, nil
	case isTimeout(err):
		return "", false, errHang
	case err != nil:
		return "", true, nil // dropped without a close frame
	case typ == websocket.BinaryMessage:
		return "b" + base64.StdEncoding.EncodeToString(data), false, nil
	}
	return string(data), false, nil
}

func (w *wsSession) sid() string      { return w.id }
func (w *wsSession) closeStatus() int { return w.status }

// close ends the session with a close frame, as a page that goes away
// does: a dropped connection would be kept for recovery.
func (w *wsSession) close() { closeFrame(w.conn) }

// pollSession is a hand-driven long-polling session.
type pollSession struct {
	url     string // with the sid
	id      string
	pending []string
	status  int
}

// refusal is a handshake the server answered with an HTTP error.
type refusal struct {
	status int
	body   string
}

func (r *refusal) Error() string { return fmt.Sprintf("HTTP %d %s", r.status, r.body) }

// openPollingSession makes the polling handshake with header.
func openPollingSession(s *server, query string, header http.Header) (*pollSession, error) {
	base := fmt.Sprintf("http://%s/socket.io/?EIO=4&transport=polling%s", s.Addr, query)
	status, body, err := pollRequest(http.MethodGet, base, "", header)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, &refusal{status: status, body: body}
	}
	var o struct{ SID string }
	if !strings.HasPrefix(body, "0{") || json.Unmarshal([]byte(body[1:]), &o) != nil || o.SID == "" {
		return nil, fmt.Errorf("polling handshake answered %q", body)
	}
	return &pollSession{url: base + "&sid=" + o.SID, id: o.SID}, nil
}

func (p *pollSession) send(packets ...enginePacket) {
	parts := make([]string, len(packets))
	for i, pk := range packets {
		parts[i] = pk.text
		if pk.isBin {
			parts[i] = "b" + base64.StdEncoding.EncodeToString(pk.binary)
		}
	}
	p.post(strings.Join(parts, "\x1e"))
}

// post sends a body as is; a refusal is remembered as the close status.
func (p *pollSession) post(body string) {
	status, _, err := pollRequest(http.MethodPost, p.url, body, nil)
	if err == nil && status != http.StatusOK && p.status == 0 {
		p.status = status
	}
}

func (p *pollSession) next() (string, bool, error) {
	for len(p.pending) == 0 {
		status, body, err := pollRequest(http.MethodGet, p.url, "", nil)
		switch {
		case isTimeout(err):
			return "", false, errHang
		case err != nil:
			return "", true, nil
		case status == http.StatusBadRequest && strings.Contains(body, `"code":1`):
			return "", true, nil // Session ID unknown: closed and forgotten
		case status != http.StatusOK:
			return "", false, fmt.Errorf("poll answered %d %s", status, body)
		}
		p.pending = strings.Split(body, "\x1e")
	}
	pkt := p.pending[0]
	p.pending = p.pending[1:]
	if pkt == "1" {
		return "", true, nil // the close packet
	}
	return pkt, false, nil
}

func (p *pollSession) sid() string      { return p.id }
func (p *pollSession) closeStatus() int { return p.status }

// close sends the close packet, as the official clients do.
func (p *pollSession) close() { p.post("1") }

func pollRequest(method, url, body string, header http.Header) (status int, answer string, err error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := oneShot.Do(req) // no keep-alive left behind for a descriptor count

	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, string(data), err
}

// isTimeout reports a deadline or client timeout. gorilla/websocket hides
// the deadline error behind its own net.Error, so errors.Is cannot tell.
func isTimeout(err error) bool {
	var timeout net.Error
	return errors.As(err, &timeout) && timeout.Timeout()
}
