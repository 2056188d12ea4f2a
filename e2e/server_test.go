package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
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

// server is one roomcast process.
type server struct {
	URL  string
	Addr string
	cmd  *exec.Cmd

	mu   sync.Mutex
	logs []string

	exited  chan struct{}
	exitErr error
}

// startServer runs roomcast on a free loopback port with extra flags. At the
// end of the test it stops the server with SIGTERM and requires a clean exit:
// every test thereby also checks that the server never crashed and shuts
// down gracefully.
func startServer(t *testing.T, flags ...string) *server {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "debug"}, flags...)
	s := &server{cmd: exec.Command(roomcastBin, args...), exited: make(chan struct{})}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting roomcast: %v", err)
	}
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

func (s *server) readLogs(r io.Reader, listening chan<- string) {
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
func (s *server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.logs, "\n")
}

// Alive reports whether the process is still running.
func (s *server) Alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *server) stop(t *testing.T) {
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
