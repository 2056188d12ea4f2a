package roomcasttest

import (
	"testing"

	"github.com/roomcast/roomcast/internal/proc"
)

// Redis is a redis-server of one test: on a free loopback port, keeping
// nothing on disk.
type Redis = proc.Redis

// StartRedis runs redis-server for the length of the test (skipped when it
// is not installed, outside CI) and stops it at the end.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	bin := RequireTool(t, "redis-server")
	r, err := proc.StartRedis(bin, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("redis-server: %v", err)
		}
		if t.Failed() {
			t.Logf("redis-server logs:\n%s", r.Logs())
		}
	})
	return r
}

// StartNodes runs n roomcast processes sharing rooms through r, each with
// the same extra flags.
func StartNodes(t testing.TB, bin string, r *Redis, n int, flags ...string) []*Server {
	t.Helper()
	nodes := make([]*Server, n)
	for i := range nodes {
		nodes[i] = Start(t, bin, append([]string{"--redis-url", r.URL()}, flags...)...)
	}
	return nodes
}
