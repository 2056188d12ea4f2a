package e2e

// Guards against defects of the socket.io library that roomcast works around
// in server/. Each test fails on a server without its workaround.

import (
	"fmt"
	"testing"
)

// pollingChurn is how many polling clients come and go: enough that the
// race below showed on every run of an unguarded race-built server.
const pollingChurn = 24

// The polling transport writes ctx.Cleanup while the library's watcher
// goroutine reads it when a client aborts its pending poll, which clients do
// on every upgrade and close (server/pollguard.go). The server under test is
// race-built when the tests are; the race detector then makes it exit with a
// failure status, which startServer's cleanup reports.
func TestPollingClientsComeAndGoWithoutDataRace(t *testing.T) {
	t.Parallel()
	if !raceEnabled {
		t.Log("without -race this only checks that churn leaves the server working")
	}
	s := startServer(t)
	d := startDriver(t)
	stay := d.connect(s, "stay", clientV4, inRoom("churn"))
	for i := 0; i < pollingChurn; i++ {
		opts := inRoom("churn") // default transports: polling, then the upgrade aborts the poll
		if i%2 == 1 {
			opts["transports"] = []string{"polling"}
		}
		p := d.connect(s, fmt.Sprintf("p%d", i), clientV4, opts)
		stay.wantPeerEvent(t, "peer-joined", "churn", p)
		ackOK(t, p.call(t, "ice", map[string]any{"n": i}))
		stay.next(t, "ice")
		p.close()
		stay.wantPeerEvent(t, "peer-left", "churn", p)
	}
}
