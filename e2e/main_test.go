// Package e2e runs the real roomcast binary and drives it with the official
// socket.io clients from npm, through a Node driver (driver.mjs).
package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// The binaries under test: $ROOMCAST_BIN, or one built for this run with the
// race detector when the tests have it; and a production build (no race
// detector) for the tests that measure memory and timing, which the race
// detector changes.
var roomcastBin, productionBin string

func TestMain(m *testing.M) {
	bin, cleanup, err := roomcasttest.BinaryForTests("..", raceEnabled)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	roomcastBin, productionBin = bin, bin
	cleanupProduction := func() {}
	if raceEnabled {
		productionBin, cleanupProduction, err = roomcasttest.BinaryForTests("..", false)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	cleanup()
	cleanupProduction()
	os.Exit(code)
}

// server is one roomcast process under test.
type server = roomcasttest.Server

// manyClients lifts the per-address connection limit: every client of
// these tests comes from 127.0.0.1, and several open hundreds at once. The
// limits have tests of their own, which pass their own flags.
var manyClients = []string{"--max-connections-per-ip", "0"}

// startServer runs roomcast with extra flags for the length of the test.
func startServer(t *testing.T, flags ...string) *server {
	t.Helper()
	return roomcasttest.Start(t, roomcastBin, append(manyClients, flags...)...)
}

// startProductionServer runs the production build, for measurements.
func startProductionServer(t *testing.T, flags ...string) *server {
	t.Helper()
	return roomcasttest.Start(t, productionBin, append(manyClients, flags...)...)
}

func requireTool(t *testing.T, name string) string {
	t.Helper()
	return roomcasttest.RequireTool(t, name)
}
