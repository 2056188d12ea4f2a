package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/bench/internal/load"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// TestSmoke runs the benchmark's smoke profile, the one `go tool task
// bench-smoke` runs, against a real roomcast and against the Node.js
// reference: every relayed event must arrive exactly once, in order, in its
// room only, every relay and join must be acked, every idle connection kept.
// No timing is asserted.
func TestSmoke(t *testing.T) {
	// Building roomcast (race-built when the tests are) is not part of the
	// budget: with a cold build cache it alone can take longer.
	bin, cleanup, err := roomcasttest.BinaryForTests("../..", raceEnabled)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("roomcast", func(t *testing.T) {
		srv := roomcasttest.Start(t, bin)
		smoke(ctx, t, srv.Addr)
	})
	t.Run("reference", func(t *testing.T) {
		node := roomcasttest.RequireTool(t, "node")
		if _, err := os.Stat(filepath.Join("..", "..", "node_modules", "socket.io", "package.json")); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("socket.io is not installed (npm ci): %v", err)
			}
			t.Skipf("socket.io is not installed (go tool task deps): %v", err)
		}
		srv, err := load.Start(load.ReferenceSpec(node, filepath.Join("..", "reference", "server.mjs")))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := srv.Stop(); err != nil {
				t.Errorf("reference: %v", err)
			}
		})
		smoke(ctx, t, srv.Addr)
	})
}

func smoke(ctx context.Context, t *testing.T, addr string) {
	t.Helper()
	profile := load.SmokeProfile()
	for _, scenario := range load.Scenarios {
		// No server pid: the smoke run measures neither CPU nor memory.
		res := load.Run(ctx, addr, scenario, profile, 0, testLog{t})
		if res.Error != "" {
			t.Errorf("%s: %s", scenario, res.Error)
			continue
		}
		if r := res.Relay; r != nil {
			for _, s := range r.Steps {
				if s.Sent == 0 || s.Delivered != s.Expected {
					t.Errorf("%s: delivered %d of %d events, want every one", scenario, s.Delivered, s.Expected)
				}
				if s.Reordered != 0 {
					t.Errorf("%s: %d events out of order", scenario, s.Reordered)
				}
			}
		}
		for _, p := range load.SmokeProblems(res) {
			t.Error(p)
		}
	}
}

// testLog sends the generator's progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(string(p[:len(p)-min(1, len(p))]))
	return len(p), nil
}
