package e2e

// Hand-written Engine.IO clients, for the tests that need to send what
// the official clients never would, or to open sessions by the thousand.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// websocketURL is the Engine.IO websocket endpoint of s, for protocol
// version eio.
func websocketURL(s *server, eio int) string {
	return fmt.Sprintf("ws://%s/socket.io/?EIO=%d&transport=websocket", s.Addr, eio)
}

// dialRaw opens a websocket to the Engine.IO endpoint, closed at the end of
// the test.
func dialRaw(t *testing.T, s *server, eio int, origin string) (*websocket.Conn, error) {
	t.Helper()
	header := http.Header{}
	if origin != "" {
		header.Set("Origin", origin)
	}
	conn, _, err := websocket.DefaultDialer.Dial(websocketURL(s, eio), header)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.Close() })
	return conn, nil
}

// readFrame reads one text frame with a deadline.
func readFrame(t *testing.T, conn *websocket.Conn) (string, error) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	_, data, err := conn.ReadMessage()
	return string(data), err
}

func send(t *testing.T, conn *websocket.Conn, frame string) {
	t.Helper()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatalf("send %s: %v", frame, err)
	}
}

// rawSocket opens a websocket and completes the socket.io connect by hand,
// waiting for the open packet first as the official clients do.
func rawSocket(t *testing.T, s *server) *websocket.Conn {
	t.Helper()
	conn, err := dialRaw(t, s, 4, "")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if open, err := readFrame(t, conn); err != nil || !strings.HasPrefix(open, "0{") {
		t.Fatalf("open packet %q, %v", open, err)
	}
	send(t, conn, "40")
	if err := awaitNamespace(conn); err != nil {
		t.Fatal(err)
	}
	return conn
}

// eagerSocket dials and sends "40" at once, without waiting for the open
// packet, as a client on a fast link can; then waits for the answer.
func eagerSocket(t *testing.T, s *server) *websocket.Conn {
	t.Helper()
	conn, err := dialRaw(t, s, 4, "")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	send(t, conn, "40")
	if err := awaitNamespace(conn); err != nil {
		t.Fatal(err)
	}
	return conn
}

// awaitNamespace reads frames until the namespace connect is answered.
func awaitNamespace(conn *websocket.Conn) error {
	for {
		_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
		_, frame, err := conn.ReadMessage()
		if err != nil {
			return fmt.Errorf("waiting for the namespace connect: %w", err)
		}
		if strings.HasPrefix(string(frame), "40") {
			return nil
		}
	}
}

// closeFrame ends a websocket the polite way, with a close frame, before
// closing the connection.
func closeFrame(conn *websocket.Conn) {
	_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	conn.Close()
}

// failures runs session(i) for i < n on that many concurrent workers and
// counts the sessions that failed.
func failures(n, workers int, session func(i int) bool) int {
	failed := make(chan int, workers)
	for w := 0; w < workers; w++ {
		go func() {
			count := 0
			for i := w; i < n; i += workers {
				if !session(i) {
					count++
				}
			}
			failed <- count
		}()
	}
	total := 0
	for w := 0; w < workers; w++ {
		total += <-failed
	}
	return total
}

// oneShot makes every request on a connection of its own, closed after the
// answer, so a polling session leaves no keep-alive connection in the server
// that a descriptor count would take for a leak.
var oneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitTimeout}

// pollingSession is an Engine.IO 4 long-polling session driven by hand.
type pollingSession struct {
	url string // the session's polling URL, sid included
	sid string
}

// openPolling makes the polling handshake.
func openPolling(t *testing.T, s *server) *pollingSession {
	t.Helper()
	base := fmt.Sprintf("http://%s/socket.io/?EIO=4&transport=polling", s.Addr)
	body := pollingRequest(t, http.MethodGet, base, "")
	var open struct {
		SID string `json:"sid"`
	}
	if !strings.HasPrefix(body, "0") || json.Unmarshal([]byte(body[1:]), &open) != nil || open.SID == "" {
		t.Fatalf("polling handshake answered %q", body)
	}
	return &pollingSession{url: base + "&sid=" + open.SID, sid: open.SID}
}

// post sends packets as one payload.
func (p *pollingSession) post(t *testing.T, packets ...string) {
	t.Helper()
	if body := pollingRequest(t, http.MethodPost, p.url, strings.Join(packets, "\x1e")); body != "ok" {
		t.Fatalf("post %q answered %q", packets, body)
	}
}

// poll returns the packets waiting for the client; with none waiting it
// blocks until one is sent.
func (p *pollingSession) poll(t *testing.T) []string {
	t.Helper()
	return strings.Split(pollingRequest(t, http.MethodGet, p.url, ""), "\x1e")
}

// upgrade moves the session to a websocket, as the official clients do:
// probe, answer, upgrade packet.
func (p *pollingSession) upgrade(t *testing.T, s *server) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(websocketURL(s, 4)+"&sid="+p.sid, nil)
	if err != nil {
		t.Fatalf("dialing the upgrade: %v", err)
	}
	send(t, conn, "2probe")
	if frame, err := readFrame(t, conn); err != nil || frame != "3probe" {
		conn.Close()
		t.Fatalf("probe answered %q, %v", frame, err)
	}
	send(t, conn, "5")
	return conn
}

func pollingRequest(t *testing.T, method, url, body string) string {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := oneShot.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s %v", method, url, res.StatusCode, answer, err)
	}
	return string(answer)
}
