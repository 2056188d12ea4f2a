// Package proc runs a server process for tests and benchmarks: roomcast, or
// anything that logs {"msg":"listening","addr":...} as a JSON line on stderr
// when it is ready, as roomcast does with --log-format json.
package proc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Deadlines for a server to start and to stop; generous because the machines
// running tests and benchmarks are shared, and never reached when things
// work.
const (
	startTimeout = 15 * time.Second
	stopTimeout  = 20 * time.Second
)

// Spec is how to run one server.
type Spec struct {
	Name string   // for messages
	Argv []string // the command; it must log {"msg":"listening","addr":...} on stderr
	Env  []string // added to the environment
	Dir  string
	// CPUs, when set, pins the process with taskset -c CPUs.
	CPUs string
}

// Proc is a running server.
type Proc struct {
	Addr string
	PID  int

	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	killed atomic.Bool // by Kill, on purpose

	mu   sync.Mutex
	logs []string
	// logged is closed, and replaced, on every new log line and when the
	// log ends, so that WaitLogs wakes on lines instead of polling.
	logged chan struct{}
}

// Start runs spec and waits for its listening line.
func Start(spec Spec) (*Proc, error) {
	argv := spec.Argv
	if spec.CPUs != "" {
		argv = append([]string{"taskset", "-c", spec.CPUs}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = spec.Dir
	cmd.Env = append(CleanEnv(), spec.Env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", spec.Name, err)
	}
	// taskset execs the server: the pid is the server's.
	p := &Proc{PID: cmd.Process.Pid, cmd: cmd, exited: make(chan struct{}), logged: make(chan struct{})}
	listening := make(chan string, 1)
	go p.readLogs(stderr, listening)
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	select {
	case p.Addr = <-listening:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before listening: %v\n%s", spec.Name, p.err, p.Logs())
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		<-p.exited
		return nil, fmt.Errorf("%s did not log listening within %v\n%s", spec.Name, startTimeout, p.Logs())
	}
}

// CleanEnv is this environment without what would make a server under test
// slower or chattier than in production (DEBUG turns on socket.io's debug
// logging in Node; GOGC and NODE_OPTIONS would change the runtimes).
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DEBUG", "GOGC", "GOMEMLIMIT", "GODEBUG", "GOMAXPROCS", "NODE_OPTIONS", "NODE_ENV":
			continue
		}
		if strings.HasPrefix(name, "ROOMCAST_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func (p *Proc) readLogs(r io.Reader, listening chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		if len(p.logs) < 1000 {
			p.logs = append(p.logs, line)
		}
		p.wakeLogWaiters()
		p.mu.Unlock()
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" && rec.Addr != "" {
			select {
			case listening <- rec.Addr:
			default:
			}
		}
	}
	p.mu.Lock()
	p.wakeLogWaiters()
	p.mu.Unlock()
}

// wakeLogWaiters tells every WaitLogs to look again; p.mu is held.
func (p *Proc) wakeLogWaiters() {
	close(p.logged)
	p.logged = make(chan struct{})
}

// Logs returns the server's first log lines.
func (p *Proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.logs, "\n")
}

// WaitLogs waits up to timeout until cond holds for the server's log lines
// so far (as Logs returns them), looking again at each new line. It
// reports whether cond held.
func (p *Proc) WaitLogs(timeout time.Duration, cond func(logs string) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		logs, logged := strings.Join(p.logs, "\n"), p.logged
		p.mu.Unlock()
		if cond(logs) {
			return true
		}
		select {
		case <-logged:
		case <-deadline.C:
			return false
		}
	}
}

// Wait waits up to timeout for the server to exit on its own and returns how
// it exited: nil for status 0.
func (p *Proc) Wait(timeout time.Duration) error {
	select {
	case <-p.exited:
		return p.err
	case <-time.After(timeout):
		return fmt.Errorf("still running after %v", timeout)
	}
}

// Alive reports whether the server is still running.
func (p *Proc) Alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Kill ends the server with SIGKILL, as a crash or a lost machine would, and
// waits until it is gone; Stop then has nothing to report.
func (p *Proc) Kill() error {
	p.killed.Store(true)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && p.Alive() {
		return err
	}
	<-p.exited
	return nil
}

// Stop sends SIGTERM, waits up to stopTimeout, then kills. It reports a server that
// had exited on its own, or did not exit cleanly.
func (p *Proc) Stop() error {
	if p.killed.Load() {
		<-p.exited
		return nil
	}
	if !p.Alive() {
		return fmt.Errorf("server exited during the run: %v\n%s", p.err, p.Logs())
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("server did not stop within %v of SIGTERM\n%s", stopTimeout, p.Logs())
	}
	if p.err != nil {
		return fmt.Errorf("server exited with %v after SIGTERM", p.err)
	}
	return nil
}
