package e2e

import (
	"testing"

	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// A client whose connection drops may reconnect to another node than the
// one it left (the proxy stands for a load balancer that sends it there):
// that node takes it over from the first, and it gets its socket back as
// on one node — the same id, its rooms, every event it missed, in order,
// once — while the others never see it leave. The node it left forgets it.
func TestRecoveryOnAnotherNode(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			flags := []string{"--ping-interval", shortHeartbeatInterval, "--ping-timeout", shortHeartbeatTimeout}
			_, nodes := startCluster(t, 2, flags...)
			left, reached := nodes[0], nodes[1]
			proxy := startProxy(t, left)
			d := startDriver(t)
			a, b := callPair(t, reached, proxy, d, transport)

			proxy.cut()
			a.waitDisconnect(t)
			waitNoticed(t, left, 1, 0)
			b.burst("ice", missedEvents, map[string]any{"candidate": "candidate:1 1 udp 2122260223 10.0.0.2 9 typ host"})
			b.barrier(t)
			proxy.retarget(reached)
			proxy.release()

			a.waitRecovered(t)
			a.barrier(t)
			wantMissed(t, a, "ice", missedEvents)
			wantStillInCall(t, a, b)
			// The node a left holds nothing of it any more.
			if r := waitReadiness(t, left, waitTimeout, func(r roomcasttest.Readiness) bool { return r.Peers == 0 }); r.Peers != 0 {
				t.Fatalf("the node a left still counts %+v", r.Occupancy())
			}
		})
	}
}
