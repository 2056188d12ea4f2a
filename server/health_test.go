package server

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/rooms"
)

// getJSON GETs url and decodes its JSON object body.
func getJSON(t *testing.T, url string) (*http.Response, map[string]any) {
	t.Helper()
	resp, body := get(t, url, nil)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s Content-Type = %q, want application/json", url, ct)
	}
	var v map[string]any
	if err := json.NewDecoder(strings.NewReader(body)).Decode(&v); err != nil {
		t.Fatalf("GET %s body %q is not a JSON object: %v", url, body, err)
	}
	return resp, v
}

func TestHealthz(t *testing.T) {
	s := newRouteServer(t)
	ts := newTestRouter(t, s, clientBundle{})
	for _, draining := range []bool{false, true} {
		s.draining.Store(draining)
		resp, body := getJSON(t, ts.URL+"/healthz")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("draining=%v: status = %d, want 200", draining, resp.StatusCode)
		}
		if want := map[string]any{"status": "ok"}; !reflect.DeepEqual(body, want) {
			t.Errorf("draining=%v: body = %v, want %v", draining, body, want)
		}
	}
}

func TestReadyz(t *testing.T) {
	s := newRouteServer(t)
	ts := newTestRouter(t, s, clientBundle{})

	steps := []struct {
		name     string
		before   func(t *testing.T)
		wantCode int
		wantBody map[string]any
	}{
		{
			name:     "empty",
			before:   func(*testing.T) {},
			wantCode: http.StatusOK,
			wantBody: map[string]any{"status": "ready", "peers": 0.0, "rooms": 0.0, "sessions": 0.0, "stalled_connects": 0.0, "slow_consumers": 0.0},
		},
		{
			name: "two peers in two rooms",
			before: func(t *testing.T) {
				t.Helper()
				if _, err := s.registry.Connect("a", rooms.SpaceSocketIO, ""); err != nil {
					t.Fatalf("Connect(a): %v", err)
				}
				if _, err := s.registry.Connect("b", rooms.SpaceSocketIO, "x"); err != nil {
					t.Fatalf("Connect(b, x): %v", err)
				}
			},
			wantCode: http.StatusOK,
			wantBody: map[string]any{"status": "ready", "peers": 2.0, "rooms": 2.0, "sessions": 0.0, "stalled_connects": 0.0, "slow_consumers": 0.0},
		},
		{
			name:     "draining",
			before:   func(*testing.T) { s.draining.Store(true) },
			wantCode: http.StatusServiceUnavailable,
			wantBody: map[string]any{"status": "draining", "peers": 2.0, "rooms": 2.0, "sessions": 0.0, "stalled_connects": 0.0, "slow_consumers": 0.0},
		},
	}
	for _, st := range steps {
		st.before(t)
		resp, body := getJSON(t, ts.URL+"/readyz")
		if resp.StatusCode != st.wantCode {
			t.Errorf("%s: status = %d, want %d", st.name, resp.StatusCode, st.wantCode)
		}
		if !reflect.DeepEqual(body, st.wantBody) {
			t.Errorf("%s: body = %v, want %v", st.name, body, st.wantBody)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", st.name, cc)
		}
	}
}
