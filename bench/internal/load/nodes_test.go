package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// countingNode serves h and counts the websocket connections it was asked
// for: one node of a multi-node setup.
type countingNode struct {
	*httptest.Server
	conns atomic.Int64
}

func startNode(t *testing.T, h http.Handler) *countingNode {
	t.Helper()
	n := &countingNode{}
	n.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.conns.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(n.Close)
	return n
}

// TestRelayOverNodes runs the relay scenarios against two null relays: one
// NullServer on two listeners, which share every room, and two separate
// ones, which share none. The generator must connect each room's members to
// the nodes in turn and count deliveries against the whole room: with shared
// rooms every event arrives; without, exactly the members on the sender's
// node receive it.
func TestRelayOverNodes(t *testing.T) {
	pairs := RelayConfig{Name: "pairs", Rooms: 10, RoomSize: 2, Step: 300 * time.Millisecond, Rates: []float64{1000}, Acks: true}
	classroom := RelayConfig{Name: "classroom", Rooms: 2, RoomSize: 10, Step: 300 * time.Millisecond, Rates: []float64{2000}, Acks: true}
	for _, tc := range []struct {
		name   string
		shared bool
		cfg    RelayConfig
		// receivers of each event
		reach int64
	}{
		{"pairs, shared rooms", true, pairs, 1},
		{"classroom, shared rooms", true, classroom, 9},
		{"pairs, separate nodes", false, pairs, 0},
		{"classroom, separate nodes", false, classroom, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shared := NewNullServer()
			handler := func() http.Handler {
				if tc.shared {
					return shared
				}
				return NewNullServer()
			}
			a, b := startNode(t, handler()), startNode(t, handler())
			cfg := tc.cfg
			// Separate nodes never deliver the whole room: end the drain
			// a second after the last arrival.
			cfg.Patience = time.Second
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := RunRelay(ctx, []string{a.Listener.Addr().String(), b.Listener.Addr().String()}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			clients := int64(cfg.Rooms * cfg.RoomSize)
			if a.conns.Load() != clients/2 || b.conns.Load() != clients/2 {
				t.Errorf("nodes got %d and %d connections, want %d each", a.conns.Load(), b.conns.Load(), clients/2)
			}
			if len(res.Steps) != 1 {
				t.Fatalf("%d steps, want 1", len(res.Steps))
			}
			s := res.Steps[0]
			if s.Sent == 0 || s.Delivered != s.Sent*tc.reach {
				t.Errorf("delivered %d for %d sent, want %d", s.Delivered, s.Sent, s.Sent*tc.reach)
			}
			if s.Expected != s.Sent*int64(cfg.RoomSize-1) {
				t.Errorf("expected %d for %d sent, want the whole room's %d", s.Expected, s.Sent, s.Sent*int64(cfg.RoomSize-1))
			}
			if s.Reordered != 0 || s.Misrouted != 0 || s.Stale != 0 || s.SendErrs != 0 || s.AcksOK != s.Sent {
				t.Errorf("%d reordered, %d misrouted, %d stale, %d send errors, %d of %d acked",
					s.Reordered, s.Misrouted, s.Stale, s.SendErrs, s.AcksOK, s.Sent)
			}
			// Whether a shared step passes depends on the machine's load
			// (p99, the share of events sent in time); a step that loses
			// the other node's events fails whatever the load.
			if !tc.shared && s.Pass {
				t.Errorf("a step that reached %d of %d receivers passed", s.Delivered, s.Expected)
			}
		})
	}
}

// TestRelaySameRate checks the step held at the baseline's half-load rate:
// after the half-load step, with its role, and reported as Same.
func TestRelaySameRate(t *testing.T) {
	node := startNode(t, NewNullServer())
	cfg := RelayConfig{Name: "pairs", Rooms: 5, RoomSize: 2, Step: 200 * time.Millisecond, Rates: []float64{2000},
		HalfRun: true, SameRate: 1500}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := RunRelay(ctx, []string{node.Listener.Addr().String()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Steps {
		got = append(got, s.Role+"@"+count(s.TargetRate))
	}
	// The half-load step needs a passing step before it, which a loaded
	// machine may deny; the same-rate step is held either way, last.
	want := []string{"@2,000", "same-rate@1,500"}
	if res.Best != nil {
		want = []string{"@2,000", "half@1,000", "same-rate@1,500"}
		if res.Half == nil || res.Half.TargetRate != 1000 {
			t.Errorf("Half = %+v, want the step at 1,000", res.Half)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	if res.Same == nil || res.Same.TargetRate != 1500 || res.Same.Role != roleSameRate || res.Same.Delivered != res.Same.Expected {
		t.Errorf("Same = %+v, want the step at 1,500, every event delivered", res.Same)
	}
}
