package transport

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
)

func wantCORS(t *testing.T, h http.Header, origin string) {
	t.Helper()
	if got := h.Get("Access-Control-Allow-Origin"); got != origin {
		t.Fatalf("Access-Control-Allow-Origin = %q, want %q", got, origin)
	}
	if got := h.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Fatalf("Access-Control-Allow-Credentials = %q, want true", got)
	}
	if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Fatalf("Vary = %q: caches must key on the origin", h.Values("Vary"))
	}
}

func wantNoCORS(t *testing.T, h http.Header) {
	t.Helper()
	if got := h.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("Access-Control-Allow-Origin = %q, want none", got)
	}
}

// TestCORS: an allowed page's origin is echoed with credentials on every
// polling answer, refusals included, and preflights are answered.
func TestCORS(t *testing.T) {
	for _, allowed := range [][]string{{"*"}, {"https://other.example", "https://page.example"}} {
		t.Run(strings.Join(allowed, " "), func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.AllowedOrigins = allowed })
			const origin = "https://page.example"
			page := http.Header{"Origin": {origin}}

			res := ts.do(t, http.MethodGet, "EIO=4&transport=polling", nil, page)
			wantCORS(t, res.header, origin)
			c := &pollClient{ts: ts, v: variants[0], id: parseOpen(t, txt(string(res.body))).SID}
			res = ts.do(t, http.MethodPost, c.query(), []byte("40"), page)
			if string(res.body) != "ok" {
				t.Fatalf("POST answered %q", res.body)
			}
			wantCORS(t, res.header, origin)
			res = ts.do(t, http.MethodGet, c.query(), nil, page)
			wantCORS(t, res.header, origin)
			res = ts.do(t, http.MethodGet, "EIO=4&transport=polling&sid=nope", nil, page)
			res.wantError(t, http.StatusBadRequest, eio.UnknownSID)
			wantCORS(t, res.header, origin) // the page may read why

			pre := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"}}
			res = ts.do(t, http.MethodOptions, c.query(), nil, pre)
			if res.status != http.StatusNoContent {
				t.Fatalf("preflight answered %d, want 204", res.status)
			}
			wantCORS(t, res.header, origin)
			if got := res.header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") || !strings.Contains(got, "GET") {
				t.Fatalf("Access-Control-Allow-Methods = %q", got)
			}
			if got := res.header.Get("Access-Control-Allow-Headers"); got != "content-type" {
				t.Fatalf("Access-Control-Allow-Headers = %q, want the requested headers", got)
			}

			ws := ts.dialWS(t, "EIO=4&transport=websocket", page)
			(&wsClient{c: ws, v: variants[1]}).recv(t)
		})
	}
}

// TestNoCORSWithoutOrigin: requests that are not from a page get no CORS
// headers and are never refused for their origin.
func TestNoCORSWithoutOrigin(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.AllowedOrigins = []string{"https://page.example"} })
	res := ts.do(t, http.MethodGet, "EIO=4&transport=polling", nil, nil)
	if res.status != http.StatusOK {
		t.Fatalf("handshake without Origin answered %d", res.status)
	}
	wantNoCORS(t, res.header)
}

// TestOriginAllowlist refuses other origins with 403 Forbidden on both
// transports, and does not let their pages read the answer.
func TestOriginAllowlist(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.AllowedOrigins = []string{"https://page.example"} })
	good := ts.openPolling(t, variants[0])
	evil := http.Header{"Origin": {"https://evil.example"}}
	for _, tt := range []struct {
		name, method, query string
	}{
		{"polling handshake", http.MethodGet, "EIO=4&transport=polling"},
		{"v3 polling handshake", http.MethodGet, "EIO=3&transport=polling&b64=1"},
		{"poll of a session", http.MethodGet, good.query()},
		{"post to a session", http.MethodPost, good.query()},
		{"preflight", http.MethodOptions, good.query()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := ts.do(t, tt.method, tt.query, []byte(`42["x"]`), evil)
			res.wantError(t, http.StatusForbidden, eio.Forbidden)
			wantNoCORS(t, res.header)
		})
	}
	t.Run("websocket", func(t *testing.T) {
		for _, q := range []string{"EIO=4&transport=websocket", "EIO=4&transport=websocket&sid=" + good.sid()} {
			d := websocket.Dialer{HandshakeTimeout: waitTimeout}
			c, res, err := d.Dial(ts.wsURL(q), evil)
			if err == nil {
				c.Close()
				t.Fatalf("?%s: a websocket from another origin was accepted", q)
			}
			if res == nil || res.StatusCode != http.StatusForbidden {
				t.Fatalf("?%s: answer %v, %v; want 403", q, res, err)
			}
		}
	})
	t.Run("case-insensitive match", func(t *testing.T) {
		res := ts.do(t, http.MethodGet, "EIO=4&transport=polling", nil, http.Header{"Origin": {"HTTPS://PAGE.EXAMPLE"}})
		if res.status != http.StatusOK {
			t.Fatalf("answer %d", res.status)
		}
	})
	ts.connect(t, good, variants[0], "") // refusals for its sid left it alone
}
