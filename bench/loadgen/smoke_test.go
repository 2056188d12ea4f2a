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
// Then the same against two roomcast nodes sharing rooms through a
// redis-server, as the two-node setup runs (acrossNodes); and the
// generator's side of a multi-node setup, against two roomcast processes
// that share nothing (spreadOverNodes). No timing is asserted.
func TestSmoke(t *testing.T) {
	// Building roomcast (race-built when the tests are) is not part of the
	// budget: with a cold build cache it alone can take longer.
	bin, cleanup, err := roomcasttest.BinaryForTests("../..", raceEnabled)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	// Each subtest's deadline: a bound, never reached when things work.
	const budget = 30 * time.Second

	t.Run("roomcast", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		srv := roomcasttest.Start(t, bin, "--max-connections-per-ip", "0")
		smoke(ctx, t, []string{srv.Addr})
	})
	t.Run("reference", func(t *testing.T) {
		node := roomcasttest.RequireTool(t, "node")
		if _, err := os.Stat(filepath.Join("..", "..", "node_modules", "socket.io", "package.json")); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("socket.io is not installed (npm ci): %v", err)
			}
			t.Skipf("socket.io is not installed (go tool task deps): %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		srv, err := load.Start(load.ReferenceSpec(node, filepath.Join("..", "reference", "server.mjs")))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := srv.Stop(); err != nil {
				t.Errorf("reference: %v", err)
			}
		})
		smoke(ctx, t, []string{srv.Addr})
	})
	t.Run("roomcast, two nodes sharing rooms through redis", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		redis := roomcasttest.StartRedis(t)
		nodes := roomcasttest.StartNodes(t, bin, redis, 2, "--max-connections-per-ip", "0")
		acrossNodes(ctx, t, nodes, redis.PID)
	})
	t.Run("roomcast, two nodes sharing nothing", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		a, b := roomcasttest.Start(t, bin, "--max-connections-per-ip", "0"), roomcasttest.Start(t, bin, "--max-connections-per-ip", "0")
		spreadOverNodes(ctx, t, []string{a.Addr, b.Addr})
	})
}

// acrossNodes runs the smoke's relay scenarios against nodes that share
// rooms, measuring Redis as the two-node setup does: every event reaches the
// whole room, once, in order, whichever node its members are on, and the
// steps report Redis's CPU.
func acrossNodes(ctx context.Context, t *testing.T, nodes []*roomcasttest.Server, redisPID int) {
	t.Helper()
	var addrs []string
	var pids []int
	for _, n := range nodes {
		addrs, pids = append(addrs, n.Addr), append(pids, n.PID)
	}
	profile := load.SmokeProfile()
	for _, cfg := range []load.RelayConfig{profile.Pairs, profile.Classroom} {
		cfg.ServerPIDs, cfg.RedisPID, cfg.Log = pids, redisPID, testLog{t}
		res, err := load.RunRelay(ctx, addrs, cfg)
		if err != nil {
			t.Fatalf("%s: %v", cfg.Name, err)
		}
		for _, p := range load.SmokeProblems(load.Result{Scenario: cfg.Name, Relay: res}) {
			t.Error(p)
		}
		for _, s := range res.Steps {
			if s.CPU.Redis == nil || *s.CPU.Redis < 0 || s.CPU.Server < 0 {
				t.Errorf("%s: step CPU %+v, want the nodes' and Redis's", cfg.Name, s.CPU)
			}
		}
	}
}

// spreadOverNodes checks the generator's side of a multi-node setup against
// servers that share no rooms: it must spread each room's members over the
// nodes in turn, so an event reaches exactly the members of its room on its
// sender's node (none in pairs, 4 of 9 in a classroom of 10 on two nodes),
// each once, in order, and every relay is still acked (null).
func spreadOverNodes(ctx context.Context, t *testing.T, addrs []string) {
	t.Helper()
	profile := load.SmokeProfile()
	for _, cfg := range []load.RelayConfig{profile.Pairs, profile.Classroom} {
		if cfg.RoomSize%len(addrs) != 0 {
			t.Fatalf("%s: rooms of %d do not split evenly over %d nodes", cfg.Name, cfg.RoomSize, len(addrs))
		}
		peersOnNode := int64(cfg.RoomSize/len(addrs) - 1)
		// The events for the other node never come: end each drain soon
		// after the last arrival rather than after the smoke's 10 s.
		cfg.Patience = 2 * time.Second
		cfg.Log = testLog{t}
		res, err := load.RunRelay(ctx, addrs, cfg)
		if err != nil {
			t.Fatalf("%s: %v", cfg.Name, err)
		}
		for _, s := range res.Steps {
			if s.Sent == 0 || s.Delivered != s.Sent*peersOnNode {
				t.Errorf("%s: delivered %d events for %d sent, want %d (%d receivers each on the sender's node)",
					cfg.Name, s.Delivered, s.Sent, s.Sent*peersOnNode, peersOnNode)
			}
			if s.Reordered != 0 || s.Misrouted != 0 || s.Stale != 0 || s.SendErrs != 0 {
				t.Errorf("%s: %d reordered, %d misrouted, %d stale, %d send errors", cfg.Name, s.Reordered, s.Misrouted, s.Stale, s.SendErrs)
			}
			if s.AcksOK != s.Sent || s.AcksErr != 0 {
				t.Errorf("%s: %d of %d relays acked (null), %d other acks", cfg.Name, s.AcksOK, s.Sent, s.AcksErr)
			}
		}
	}
}

func smoke(ctx context.Context, t *testing.T, addrs []string) {
	t.Helper()
	profile := load.SmokeProfile()
	for _, scenario := range load.Scenarios {
		// No server pid: the smoke run measures neither CPU nor memory.
		res := load.Run(ctx, addrs, scenario, profile, nil, testLog{t})
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
