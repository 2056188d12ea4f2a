package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/rooms"
)

// rawPage is a connection to the raw WebSocket endpoint (/ws), as the
// pages of the inst and login dialects open it.
type rawPage struct {
	conn   *websocket.Conn
	status int // the close code, once closed
}

// openRawPage connects to /ws?room=room with dialer and header, and
// returns the answer to a refused upgrade as a *refusal.
func openRawPage(s *server, room string, dialer *websocket.Dialer, header http.Header) (*rawPage, error) {
	conn, res, err := dialer.Dial(fmt.Sprintf("ws://%s/ws?room=%s", s.Addr, room), header)
	if err != nil {
		if res != nil {
			body, _ := io.ReadAll(res.Body)
			return nil, &refusal{status: res.StatusCode, body: string(body)}
		}
		return nil, err
	}
	return &rawPage{conn: conn}, nil
}

// rawPageIn is openRawPage for a test, with the inst dialect's init.
func rawPageIn(t *testing.T, s *server, room, id string) *rawPage {
	t.Helper()
	p, err := openRawPage(s, room, websocket.DefaultDialer, nil)
	if err != nil {
		t.Fatalf("raw page %s: %v", id, err)
	}
	t.Cleanup(func() { p.conn.Close() })
	p.init(t, id)
	return p
}

// init names the page and returns once the server has: init has no
// answer, but a frame after it does, and a page's frames are handled in
// order. Until then, a frame sent to id by another page may find nobody.
func (p *rawPage) init(t *testing.T, id string) {
	t.Helper()
	p.sendJSON(t, map[string]any{"inst": "init", "id": id})
	p.sendJSON(t, map[string]any{"inst": "roomcast-test-barrier"})
	frame, closed, err := p.read()
	var e rawError
	if err != nil || closed || json.Unmarshal([]byte(frame), &e) != nil || e.Code != rooms.CodeUnknownEvent {
		t.Fatalf("raw page %s: barrier answered %q (closed %v, %v), want %s", id, frame, closed, err, rooms.CodeUnknownEvent)
	}
}

func (p *rawPage) sendText(t *testing.T, frame string) {
	t.Helper()
	if err := p.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatalf("raw page send: %v", err)
	}
}

func (p *rawPage) sendJSON(t *testing.T, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p.sendText(t, string(data))
}

// read returns the next frame, or closed once the server closed the
// connection.
func (p *rawPage) read() (frame string, closed bool, err error) {
	_ = p.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	_, data, err := p.conn.ReadMessage()
	var closeErr *websocket.CloseError
	switch {
	case errors.As(err, &closeErr):
		p.status = closeErr.Code
		return "", true, nil
	case isTimeout(err):
		return "", false, errHang
	case err != nil:
		return "", true, nil
	}
	return string(data), false, nil
}

// expect reads the next frame and fails unless it is want.
func (p *rawPage) expect(t *testing.T, want string) {
	t.Helper()
	got, closed, err := p.read()
	if err != nil || closed || got != want {
		t.Fatalf("raw page read %.80q (closed %v, %v), want %.80q", got, closed, err, want)
	}
}

// rawError is the inst dialect's error frame.
type rawError struct {
	Inst    string `json:"inst"`
	Code    string `json:"code"`
	Message string `json:"message"`
}
