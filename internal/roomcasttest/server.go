// Package roomcasttest starts the real roomcast binary for tests that drive it
// from outside: the end-to-end, browser and benchmark suites.
package roomcasttest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Deadlines for waiting on the server; generous because CI machines are
// shared, and never reached when things work.
const (
	startTimeout = 15 * time.Second
	stopTimeout  = 20 * time.Second
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

// Server is one roomcast process.
type Server struct {
	URL  string // http://127.0.0.1:port
	Addr string // 127.0.0.1:port
	PID  int

	cmd *exec.Cmd

	mu   sync.Mutex
	logs []string

	exited  chan struct{}
	exitErr error
}

// Start runs bin on a free loopback port with extra flags. At the end of the
// test it stops the server with SIGTERM and requires a clean exit: every test
// thereby also checks that the server never crashed (nor, in a race-built
// binary, raced) and shuts down gracefully.
func Start(t testing.TB, bin string, flags ...string) *Server {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "debug"}, flags...)
	s := &Server{cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting roomcast: %v", err)
	}
	s.PID = s.cmd.Process.Pid
	listening := make(chan string, 1)
	go s.readLogs(stderr, listening)
	go func() { s.exitErr = s.cmd.Wait(); close(s.exited) }()

	select {
	case s.Addr = <-listening:
	case <-s.exited:
		t.Fatalf("roomcast exited before listening: %v\n%s", s.exitErr, s.Logs())
	case <-time.After(startTimeout):
		_ = s.cmd.Process.Kill()
		t.Fatalf("roomcast did not report listening within %v\n%s", startTimeout, s.Logs())
	}
	s.URL = "http://" + s.Addr
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *Server) readLogs(r io.Reader, listening chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.logs = append(s.logs, line)
		s.mu.Unlock()
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
			listening <- rec.Addr
		}
	}
}

// Logs returns everything the server has logged so far.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.logs, "\n")
}

// Alive reports whether the process is still running.
func (s *Server) Alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *Server) stop(t testing.TB) {
	t.Helper()
	if !s.Alive() {
		t.Errorf("roomcast exited during the test: %v\n%s", s.exitErr, s.Logs())
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("roomcast did not stop within %v of SIGTERM\n%s", stopTimeout, s.Logs())
		return
	}
	if s.exitErr != nil {
		t.Errorf("roomcast exited with %v after SIGTERM\n%s", s.exitErr, s.Logs())
	}
	if t.Failed() {
		t.Logf("roomcast logs:\n%s", s.Logs())
	}
}
