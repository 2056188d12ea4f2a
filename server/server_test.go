package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestServer builds a server from DefaultConfig changed by mutate.
func newTestServer(t testing.TB, mutate func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := New(cfg, discardLogger())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return srv
}

// serve runs one request through h and returns the recorded response.
func serve(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"bad addr", func(c *Config) { c.Addr = "nocolon" }},
		{"bad log format", func(c *Config) { c.LogFormat = "xml" }},
		{"bad rooms", func(c *Config) { c.Rooms.MaxPeersPerRoom = 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.mutate(&cfg)
			srv, err := New(cfg, discardLogger())
			if err == nil {
				t.Fatal("New(invalid config) = nil error, want one")
			}
			if srv != nil {
				t.Errorf("New(invalid config) returned a server %p with its error", srv)
			}
		})
	}
}

func TestHandlerServesEmbeddedPage(t *testing.T) {
	srv := newTestServer(t, nil)
	rec := serve(t, srv.Handler(), http.MethodGet, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET / Content-Type = %q, want text/html", ct)
	}
	if body := rec.Body.String(); !strings.Contains(body, "/socket.io/socket.io.js") {
		t.Errorf("GET / body does not load /socket.io/socket.io.js:\n%s", body)
	}
}

func TestHandlerServesStaticDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("custom page"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, func(c *Config) { c.StaticDir = dir })
	rec := serve(t, srv.Handler(), http.MethodGet, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", rec.Code)
	}
	if body := rec.Body.String(); body != "custom page" {
		t.Errorf("GET / body = %q, want %q", body, "custom page")
	}
}

func TestHandlerServesHealth(t *testing.T) {
	srv := newTestServer(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		if rec := serve(t, srv.Handler(), http.MethodGet, path); rec.Code != http.StatusOK {
			t.Errorf("GET %s status = %d, want 200", path, rec.Code)
		}
	}
}

func TestRunShutsDownOnCancel(t *testing.T) {
	srv := newTestServer(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/healthz"
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true},
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()

	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET /healthz while running: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz status = %d, want 200", resp.StatusCode)
	}
	if srv.draining.Load() {
		t.Error("server is draining before its context is done")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
	if !srv.draining.Load() {
		t.Error("server is not marked draining after shutdown")
	}

	if resp, err := client.Get(url); err == nil {
		resp.Body.Close()
		t.Fatalf("GET after shutdown succeeded with status %d, want a connection error", resp.StatusCode)
	}
}

// TestRunDrainsFirst: once its context is done, Run keeps serving with
// readiness at 503 for ShutdownDelay before it closes the listener.
func TestRunDrainsFirst(t *testing.T) {
	const delay = time.Second // long enough for one request on a busy machine
	srv := newTestServer(t, func(c *Config) { c.ShutdownDelay = delay })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/readyz"
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()

	cancel()
	canceled := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !srv.draining.Load() {
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before draining", err)
		case <-tick.C:
			if time.Since(canceled) > delay {
				t.Fatal("not draining a delay after cancel")
			}
		}
	}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET /readyz while draining: %v, want it served", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET /readyz while draining: %d, want 503", resp.StatusCode)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v, want nil", err)
	}
	if took := time.Since(canceled); took < delay {
		t.Fatalf("Run returned %v after cancel, before the delay of %v", took, delay)
	}
}

func TestRunReturnsServeError(t *testing.T) {
	srv := newTestServer(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // Serve fails at once

	done := make(chan error, 1)
	go func() { done <- srv.Run(context.Background(), ln) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run on a closed listener returned nil, want an error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run on a closed listener did not return within 10s")
	}
}

// A binary built without the client bundle still starts, says so, and
// answers the bundle's URLs with how to build it.
func TestServerWithoutClientBundle(t *testing.T) {
	var logs strings.Builder
	s, err := newServer(DefaultConfig(), slog.New(slog.NewTextHandler(&logs, nil)), fstest.MapFS{".gitkeep": {}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "go tool task build") {
		t.Errorf("no warning about the missing bundle in the log:\n%s", logs.String())
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/socket.io/socket.io.js", nil))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "go tool task build") {
		t.Fatalf("GET /socket.io/socket.io.js: %d %q, want 404 saying how to build it", rec.Code, rec.Body.String())
	}
}
