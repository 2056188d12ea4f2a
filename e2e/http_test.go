package e2e

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// get fetches path from the server with optional request headers.
func get(t *testing.T, s *server, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return res, string(body)
}

func TestClientBundleURLs(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for _, tc := range []struct{ path, contentType, contains string }{
		{"/socket.io/socket.io.js", "application/javascript; charset=utf-8", "Socket.IO v4.8"},
		{"/socket.io/socket.io.min.js", "application/javascript; charset=utf-8", "Socket.IO v4.8"},
		{"/socket.io/socket.io.js.map", "application/json; charset=utf-8", `"sources"`},
		{"/socket.io/socket.io.min.js.map", "application/json; charset=utf-8", `"sources"`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, body := get(t, s, tc.path)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != tc.contentType {
				t.Fatalf("%d %q, want 200 %q", res.StatusCode, res.Header.Get("Content-Type"), tc.contentType)
			}
			if !strings.Contains(body, tc.contains) {
				t.Fatalf("body (%d bytes) lacks %q", len(body), tc.contains)
			}
			etag := res.Header.Get("ETag")
			if res, _ := get(t, s, tc.path, "If-None-Match", etag); etag == "" || res.StatusCode != http.StatusNotModified {
				t.Fatalf("revalidation with ETag %q: %d, want 304", etag, res.StatusCode)
			}
		})
	}
	if res, _ := get(t, s, "/socket.io/nope.js"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown bundle file: %d, want 404", res.StatusCode)
	}
}

func TestHealthAndPage(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for path, status := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		res, body := get(t, s, path)
		var got struct{ Status string }
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Status != status {
			t.Fatalf("GET %s: %d %s, want 200 with status %q", path, res.StatusCode, body, status)
		}
	}
	// Readiness answers exactly these fields; Readiness refuses others.
	_, body := get(t, s, "/readyz")
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		t.Fatalf("/readyz %s: %v", body, err)
	}
	keys := slices.Sorted(maps.Keys(fields))
	if want := []string{"peers", "rooms", "sessions", "slow_consumers", "stalled_connects", "status"}; !slices.Equal(keys, want) {
		t.Fatalf("/readyz has fields %v, want %v", keys, want)
	}
	if r := s.Readiness(t); !isEmpty(r) || r.Status != "ready" {
		t.Fatalf("/readyz of an idle server: %+v", r)
	}
	res, body := get(t, s, "/?room=physics")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `src="/socket.io/socket.io.js"`) {
		t.Fatalf("GET /: %d, the page must load the client bundle:\n%s", res.StatusCode, body)
	}
}

func TestAllowedOrigins(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--allowed-origins", "https://good.example,https://also.example")
	const handshake = "/socket.io/?EIO=4&transport=polling"
	for _, tc := range []struct {
		origin string
		status int
		allow  string
	}{
		{"https://good.example", http.StatusOK, "https://good.example"},
		{"https://also.example", http.StatusOK, "https://also.example"},
		{"", http.StatusOK, ""}, // not a browser: nothing to protect
		{"https://evil.example", http.StatusForbidden, ""},
	} {
		t.Run("origin "+tc.origin, func(t *testing.T) {
			var header []string
			if tc.origin != "" {
				header = []string{"Origin", tc.origin}
			}
			res, body := get(t, s, handshake, header...)
			if res.StatusCode != tc.status {
				t.Fatalf("handshake: %d %s, want %d", res.StatusCode, body, tc.status)
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); tc.allow != "" && got != tc.allow {
				t.Fatalf("Access-Control-Allow-Origin = %q, want %q", got, tc.allow)
			}
		})
	}
	t.Run("any origin by default, with credentials", func(t *testing.T) {
		// socket.io-client 2.x polls with credentials, which browsers
		// refuse against a literal "*".
		open := startServer(t)
		res, body := get(t, open, handshake, "Origin", "https://anywhere.example")
		if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != "https://anywhere.example" ||
			res.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Fatalf("handshake: %d %s, CORS headers %q %q", res.StatusCode, body,
				res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Access-Control-Allow-Credentials"))
		}
	})
	t.Run("websocket from another origin", func(t *testing.T) {
		if _, err := dialRaw(t, s, 4, "https://evil.example"); err == nil {
			t.Fatal("a websocket from a foreign origin was accepted")
		}
	})
}
