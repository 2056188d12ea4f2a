package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// v2Page is an old tutorial-style page on another origin: the socket.io 2.x
// client (which has no auth option, so the room goes in the query), and a
// log of what arrives, for the test to read. It keeps the 2.x client's
// defaults, credentialed polling included, as a real old page would.
const v2Page = `<!doctype html>
<meta charset="utf-8">
<title>socket.io 2.x page</title>
<script src="/socket.io-v2.js"></script>
<script>
  const params = new URLSearchParams(location.search);
  window.events = [];
  window.socket = io(params.get("server"), { query: { room: params.get("room") } });
  window.socket.on("connect_error", (err) => window.events.push(["connect_error", String(err)]));
  window.socket.on("error", (err) => window.events.push(["error", String(err)]));
  ["connect", "joined", "join-error", "peer-joined", "peer-left", "offer", "message"].forEach((name) => {
    window.socket.on(name, (payload) => window.events.push([name, payload]));
  });
</script>`

// TestSocketIOv2Page: a page on the socket.io 2.x client and roomcast's own
// page (4.x) share a room: each sees the other arrive, relayed events cross
// in both directions with from set, and the v2 page sees the v4 one leave.
func TestSocketIOv2Page(t *testing.T) {
	srv := startServer(t)
	pages := serveV2Page(t)
	const room = "mixed"

	v2 := openPerson(t, "v2", pages.URL+"/?"+url.Values{"server": {srv.URL}, "room": {room}}.Encode(), personOpts{})
	v2.waitFor(t, "joined", `window.events.some(([e]) => e === "joined")`)
	var v2ID, v2ClientID string
	v2.eval(t, `window.events.find(([e]) => e === "joined")[1].id`, &v2ID)
	v2.eval(t, `window.socket.id`, &v2ClientID)
	// A 2.x page knows itself by socket.id; relayed events name it by the id
	// roomcast gave it. They must be one.
	if v2ClientID != v2ID {
		t.Fatalf("the v2 page's socket.id is %q, but joined says %q", v2ClientID, v2ID)
	}

	v4 := openPerson(t, "v4", srv.URL+"/?room="+room, personOpts{})
	v4ID := v4.selfID(t)
	v2.waitFor(t, "peer-joined of the v4 page", fmt.Sprintf(
		`window.events.some(([e, m]) => e === "peer-joined" && m.room === %s && m.id === %s)`, jsString(room), jsString(v4ID)))
	// The v4 page found the v2 one in `peers` and called it: an offer
	// addressed with `to` crosses client versions.
	v2.waitFor(t, "the v4 page's offer", fmt.Sprintf(
		`window.events.some(([e, m]) => e === "offer" && m.from === %s && m.sdp && m.sdp.type === "offer")`, jsString(v4ID)))

	// v4 → v2.
	v4.eval(t, `window.roomcast.socket.emit("message", {text: "hello v2"}), true`, nil)
	v2.waitFor(t, "the v4 page's message", fmt.Sprintf(
		`window.events.some(([e, m]) => e === "message" && m.text === "hello v2" && m.from === %s)`, jsString(v4ID)))

	// v2 → v4: listen first, then send.
	v4.eval(t, `window.got = [], window.roomcast.socket.on("message", (m) => window.got.push(m)), true`, nil)
	v2.eval(t, `window.socket.emit("message", {text: "hello v4"}), true`, nil)
	v4.waitFor(t, "the v2 page's message", fmt.Sprintf(
		`window.got.some((m) => m.text === "hello v4" && m.from === %s)`, jsString(v2ID)))

	v4.leave(t)
	v2.waitWithin(t, leaveWithin, "peer-left of the v4 page", fmt.Sprintf(
		`window.events.some(([e, m]) => e === "peer-left" && m.id === %s)`, jsString(v4ID)))
}

// serveV2Page serves v2Page and the socket.io 2.x client from npm on a
// loopback port of its own, so the page is cross-origin to roomcast as such
// pages usually are.
func serveV2Page(t *testing.T) *httptest.Server {
	t.Helper()
	client, err := os.ReadFile(filepath.Join("..", "node_modules", "socket.io-client-v2", "dist", "socket.io.js"))
	if err != nil {
		t.Fatalf("the socket.io 2.x client is missing (go tool task deps installs it): %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /socket.io-v2.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write(client)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(v2Page))
	})
	pages := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(pages.Close)
	return pages
}
