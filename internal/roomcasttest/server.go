// Package roomcasttest starts the real roomcast binary for tests that drive it
// from outside: the end-to-end, browser and benchmark suites.
package roomcasttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/roomcast/roomcast/internal/proc"
)

// Build compiles cmd/roomcast into dir (with the race detector when race is
// set) and returns the binary's path. moduleRoot is the repository root,
// relative to the calling test's directory (e.g. "..").
func Build(moduleRoot, dir string, race bool) (string, error) {
	bin := filepath.Join(dir, "roomcast")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./cmd/roomcast")...)
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building roomcast: %v\n%s", err, out)
	}
	return bin, nil
}

// BinaryForTests returns $ROOMCAST_BIN, or builds one into a temporary
// folder; cleanup removes that folder. TestMain calls it once per package.
func BinaryForTests(moduleRoot string, race bool) (bin string, cleanup func(), err error) {
	if bin := os.Getenv("ROOMCAST_BIN"); bin != "" {
		return bin, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "roomcast-test-")
	if err != nil {
		return "", nil, err
	}
	bin, err = Build(moduleRoot, dir, race)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// RequireTool finds a program the tests need. Missing, it skips the test on a
// developer machine and fails it in CI, where .ci/run installs everything.
func RequireTool(t testing.TB, name string) string {
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

// Server is one roomcast process under test.
type Server struct {
	*proc.Proc
	URL string // http://127.0.0.1:port
}

// Start runs bin on a free loopback port with extra flags. At the end of the
// test it stops the server with SIGTERM and requires a clean exit: every test
// thereby also checks that the server never crashed (nor, in a race-built
// binary, raced) and shuts down gracefully.
func Start(t testing.TB, bin string, flags ...string) *Server {
	t.Helper()
	return StartWithEnv(t, bin, nil, flags...)
}

// StartWithEnv is Start with variables added to the server's environment,
// such as GOGC=off for a leak test that must see what only a garbage
// collection would release. The server has no shutdown delay (no load
// balancer waits for its readiness), unless flags set one.
func StartWithEnv(t testing.TB, bin string, env []string, flags ...string) *Server {
	t.Helper()
	argv := append([]string{bin, "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "debug", "--shutdown-delay", "0"}, flags...)
	p, err := proc.Start(proc.Spec{Name: "roomcast", Argv: argv, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("roomcast: %v", err)
		}
		if t.Failed() {
			t.Logf("roomcast logs:\n%s", p.Logs())
		}
	})
	return &Server{Proc: p, URL: "http://" + p.Addr}
}
