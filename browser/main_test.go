package browser

import (
	"fmt"
	"os"
	"testing"

	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// roomcastBin is the binary under test: $ROOMCAST_BIN, or one built for this
// run (with the race detector when the tests have it).
var roomcastBin string

func TestMain(m *testing.M) {
	bin, cleanup, err := roomcasttest.BinaryForTests("..", raceEnabled)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	roomcastBin = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// startServer runs roomcast with extra flags for the length of the test.
func startServer(t *testing.T, flags ...string) *roomcasttest.Server {
	t.Helper()
	return roomcasttest.Start(t, roomcastBin, flags...)
}
