package transport

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
)

// handshakeConfig has the heartbeat of the protocol test suites' reference
// servers, so the announced values can be checked.
func handshakeConfig(c *Config) {
	c.PingInterval, c.PingTimeout = 300*time.Millisecond, 200*time.Millisecond
}

func checkHandshake(t *testing.T, h handshake, upgrades []string, wantMaxPayload bool) {
	t.Helper()
	if len(h.SID) < 20 {
		t.Errorf("sid %q is shorter than 20 characters", h.SID)
	}
	if h.Upgrades == nil || len(h.Upgrades) != len(upgrades) || (len(upgrades) > 0 && h.Upgrades[0] != upgrades[0]) {
		t.Errorf("upgrades = %q, want %q", h.Upgrades, upgrades)
	}
	if h.PingInterval == nil || *h.PingInterval != 300 || h.PingTimeout == nil || *h.PingTimeout != 200 {
		t.Errorf("pingInterval, pingTimeout = %v, %v; want 300, 200", h.PingInterval, h.PingTimeout)
	}
	switch {
	case wantMaxPayload && (h.MaxPayload == nil || *h.MaxPayload != 1_000_000):
		t.Errorf("maxPayload = %v, want 1000000", h.MaxPayload)
	case !wantMaxPayload && h.MaxPayload != nil:
		t.Errorf("version 3 handshake has maxPayload %d", *h.MaxPayload)
	}
}

// TestPollingHandshake checks the open packet of each polling format on
// the wire: version 4 plain text, version 3 length-prefixed text with b64=1
// and a binary payload without it.
func TestPollingHandshake(t *testing.T) {
	ts := newTestServer(t, handshakeConfig)
	tests := []struct {
		name        string
		query       string
		contentType string
		open        func(t *testing.T, body []byte) []byte // the open packet in the body
		maxPayload  bool
	}{
		{"v4", "EIO=4&transport=polling", "text/plain; charset=UTF-8", func(t *testing.T, body []byte) []byte {
			return body
		}, true},
		{"v3 b64", "EIO=3&transport=polling&b64=1", "text/plain; charset=UTF-8", func(t *testing.T, body []byte) []byte {
			n, rest, ok := bytes.Cut(body, []byte(":"))
			if !ok || string(n) != strconv.Itoa(utf16Len(string(rest))) {
				t.Fatalf("%q is not one length-prefixed packet", body)
			}
			return rest
		}, false},
		{"v3 binary", "EIO=3&transport=polling", "application/octet-stream", func(t *testing.T, body []byte) []byte {
			ps := decodeV3Binary(t, body)
			if len(ps) != 1 || ps[0].binary || body[0] != 0 {
				t.Fatalf("binary payload %v is not one text packet", ps)
			}
			return []byte(ps[0].text)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ts.do(t, http.MethodGet, tt.query, nil, nil)
			if res.status != http.StatusOK || res.header.Get("Content-Type") != tt.contentType {
				t.Fatalf("answer %d %q, want 200 %q", res.status, res.header.Get("Content-Type"), tt.contentType)
			}
			h := parseOpen(t, txt(string(tt.open(t, res.body))))
			checkHandshake(t, h, []string{"websocket"}, tt.maxPayload)
			if ts.srv.lookup(h.SID) == nil {
				t.Fatalf("sid %q is not in the sid table", h.SID)
			}
		})
	}
}

func TestWebsocketHandshake(t *testing.T) {
	ts := newTestServer(t, handshakeConfig)
	for _, v := range []eio.Version{eio.V4, eio.V3} {
		t.Run("v"+strconv.Itoa(int(v)), func(t *testing.T) {
			c := ts.dialWS(t, "EIO="+strconv.Itoa(int(v))+"&transport=websocket", nil)
			typ, b, err := c.ReadMessage()
			if err != nil || typ != websocket.TextMessage {
				t.Fatalf("first frame: %d %q %v, want a text frame", typ, b, err)
			}
			checkHandshake(t, parseOpen(t, txt(string(b))), []string{}, v == eio.V4)
		})
	}
}

// TestSessionIDsDiffer checks that sids are fresh: they authenticate every
// polling request.
func TestSessionIDsDiffer(t *testing.T) {
	ts := newTestServer(t)
	seen := map[string]bool{}
	for range 20 {
		sid := ts.openPolling(t, variants[0]).sid()
		if seen[sid] {
			t.Fatalf("sid %q handed out twice", sid)
		}
		seen[sid] = true
	}
}
