package transport

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
)

// TestRefusedRequests checks the reference server's error answers, with
// their codes, for requests the protocol refuses.
func TestRefusedRequests(t *testing.T) {
	ts := newTestServer(t)
	open := ts.openPolling(t, variants[0])
	tests := []struct {
		name   string
		method string
		query  string
		code   eio.ErrorCode
	}{
		{"no query", http.MethodGet, "", eio.UnsupportedProtocolVersion},
		{"no EIO", http.MethodGet, "transport=polling", eio.UnsupportedProtocolVersion},
		{"EIO not a number", http.MethodGet, "EIO=abc&transport=polling", eio.UnsupportedProtocolVersion},
		{"EIO 2", http.MethodGet, "EIO=2&transport=polling", eio.UnsupportedProtocolVersion},
		{"EIO 5", http.MethodGet, "EIO=5&transport=polling", eio.UnsupportedProtocolVersion},
		{"no transport", http.MethodGet, "EIO=4", eio.UnknownTransport},
		{"unknown transport", http.MethodGet, "EIO=4&transport=abc", eio.UnknownTransport},
		{"unknown transport, v3", http.MethodGet, "EIO=3&transport=flashsocket", eio.UnknownTransport},
		{"unknown sid, GET", http.MethodGet, "EIO=4&transport=polling&sid=nope", eio.UnknownSID},
		{"unknown sid, POST", http.MethodPost, "EIO=4&transport=polling&sid=nope", eio.UnknownSID},
		{"unknown sid, websocket", http.MethodGet, "EIO=4&transport=websocket&sid=nope", eio.UnknownSID},
		{"POST handshake", http.MethodPost, "EIO=4&transport=polling", eio.BadHandshakeMethod},
		{"PUT handshake", http.MethodPut, "EIO=4&transport=polling", eio.BadHandshakeMethod},
		{"DELETE handshake, v3", http.MethodDelete, "EIO=3&transport=polling", eio.BadHandshakeMethod},
		{"PUT on a session", http.MethodPut, "EIO=4&transport=polling&sid=" + open.sid(), eio.BadRequest},
		{"EIO of another version than the session's", http.MethodGet, "EIO=3&transport=polling&sid=" + open.sid(), eio.BadRequest},
		{"websocket handshake without an upgrade", http.MethodGet, "EIO=4&transport=websocket", eio.BadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ts.srv.Stats().Refused
			ts.do(t, tt.method, tt.query, []byte("40"), nil).wantError(t, tt.code.Status(), tt.code)
			if got := ts.srv.Stats().Refused; got != before+1 {
				t.Fatalf("Stats().Refused went from %d to %d", before, got)
			}
		})
	}
	// The session the refused requests named is unharmed.
	ts.connect(t, open, variants[0], "")
}

// TestRefusedWebsockets: websocket handshakes get the same answers, before
// any upgrade.
func TestRefusedWebsockets(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.AllowEIO3 = false })
	tests := []struct {
		query string
		code  eio.ErrorCode
	}{
		{"transport=websocket", eio.UnsupportedProtocolVersion},
		{"EIO=abc&transport=websocket", eio.UnsupportedProtocolVersion},
		{"EIO=3&transport=websocket", eio.UnsupportedProtocolVersion},
		{"EIO=4", eio.UnknownTransport},
		{"EIO=4&transport=abc", eio.UnknownTransport},
		{"EIO=4&transport=websocket&sid=nope", eio.UnknownSID},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			d := websocket.Dialer{HandshakeTimeout: waitTimeout}
			c, res, err := d.Dial(ts.wsURL(tt.query), nil)
			if err == nil {
				c.Close()
				t.Fatal("the websocket was accepted")
			}
			if res == nil {
				t.Fatalf("no HTTP answer: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var e errorBody
			if res.StatusCode != tt.code.Status() || json.Unmarshal(body, &e) != nil || e.Code != int(tt.code) {
				t.Fatalf("answer %d %q, want %d with code %d", res.StatusCode, body, tt.code.Status(), tt.code)
			}
		})
	}
}

// TestAllowEIO3 refuses version 3 handshakes when EIO3 is off, and accepts
// version 4 ones.
func TestAllowEIO3(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.AllowEIO3 = false })
	for _, q := range []string{"EIO=3&transport=polling", "EIO=3&transport=polling&b64=1"} {
		ts.do(t, http.MethodGet, q, nil, nil).wantError(t, http.StatusBadRequest, eio.UnsupportedProtocolVersion)
	}
	if ts.sessionCount() != 0 {
		t.Fatal("a refused handshake left a session")
	}
	c := ts.openPolling(t, variants[0])
	ts.connect(t, c, variants[0], "")
}

// TestRefusedAfterClose: a closed server takes no new sessions.
func TestRefusedAfterClose(t *testing.T) {
	ts := newTestServer(t)
	ts.srv.Close()
	ts.do(t, http.MethodGet, "EIO=4&transport=polling", nil, nil).wantError(t, http.StatusBadRequest, eio.BadRequest)
	if ts.sessionCount() != 0 {
		t.Fatal("a session was registered after Close")
	}
}
