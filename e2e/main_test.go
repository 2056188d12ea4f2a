// Package e2e runs the real roomcast binary and drives it with the official
// socket.io clients from npm, through a Node driver (driver.mjs).
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// roomcastBin is the binary under test: $ROOMCAST_BIN, or one built for this
// run (with the race detector when the tests have it).
var roomcastBin string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	roomcastBin = os.Getenv("ROOMCAST_BIN")
	if roomcastBin == "" {
		dir, err := os.MkdirTemp("", "roomcast-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		roomcastBin = filepath.Join(dir, "roomcast")
		args := []string{"build", "-o", roomcastBin}
		if raceEnabled {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, "../cmd/roomcast")...).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "building roomcast: %v\n%s", err, out)
			return 1
		}
	}
	return m.Run()
}

// requireTool finds a program the tests need. Missing, it skips the test on a
// developer machine and fails it in CI, where .ci/run installs everything.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; .ci/run must install it", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}
