package proc

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// redisTries is how many free ports StartRedis tries: a port found free can
// be taken by another process before redis-server binds it.
const redisTries = 3

// Redis is a redis-server on a loopback port that keeps nothing on disk, for
// the nodes of a test or a benchmark to share rooms through. It can be
// killed and restarted on the same port, empty, as a Redis that crashed.
type Redis struct {
	// Addr is 127.0.0.1:port, the same across restarts.
	Addr string
	// PID is the running redis-server's, for its CPU time.
	PID int

	bin    string
	cpus   string
	cmd    *exec.Cmd
	exited chan struct{}
	logs   *lineLog
}

// StartRedis runs bin (redis-server) on a free loopback port and waits
// until it answers PING. cpus, when set, pins it with taskset -c, as
// Spec.CPUs does a server.
func StartRedis(bin, cpus string) (*Redis, error) {
	var err error
	for range redisTries {
		var port int
		if port, err = FreePort(); err != nil {
			return nil, err
		}
		r := &Redis{Addr: "127.0.0.1:" + strconv.Itoa(port), bin: bin, cpus: cpus}
		if err = r.start(); err == nil {
			return r, nil
		}
	}
	return nil, err
}

// FreePort returns a loopback port nothing listens on now, for a server that
// cannot pick one itself (redis-server and nginx take no port 0).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL is the address roomcast's --redis-url takes.
func (r *Redis) URL() string { return "redis://" + r.Addr + "/0" }

func (r *Redis) start() error {
	_, port, _ := net.SplitHostPort(r.Addr)
	// No snapshot, no append-only file: a restart is empty, as the nodes
	// must cope with; and nothing is written to the working directory.
	argv := []string{r.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--logfile", ""}
	if r.cpus != "" {
		argv = append([]string{"taskset", "-c", r.cpus}, argv...) // taskset execs: the pid is redis-server's
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = CleanEnv()
	r.logs = &lineLog{}
	cmd.Stdout, cmd.Stderr = r.logs, r.logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	r.cmd, r.PID, r.exited = cmd, cmd.Process.Pid, make(chan struct{})
	go func() { _ = cmd.Wait(); close(r.exited) }()
	deadline := time.Now().Add(startTimeout)
	for !r.answers() {
		select {
		case <-r.exited:
			return fmt.Errorf("redis-server exited before answering on %s:\n%s", r.Addr, r.logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = r.Kill()
			return fmt.Errorf("redis-server did not answer on %s within %v:\n%s", r.Addr, startTimeout, r.logs)
		}
	}
	return nil
}

// answers reports whether Redis answers PING now.
func (r *Redis) answers() bool {
	conn, err := net.DialTimeout("tcp", r.Addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == "+PONG"
}

// Kill ends redis-server with SIGKILL, as a crash would, and waits until it
// is gone.
func (r *Redis) Kill() error {
	if !r.running() {
		return nil
	}
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-r.exited
	return nil
}

// Restart starts redis-server again on the same port, empty.
func (r *Redis) Restart() error {
	if r.running() {
		return fmt.Errorf("redis-server on %s is still running", r.Addr)
	}
	return r.start()
}

// Stop ends redis-server with SIGTERM (SIGKILL past stopTimeout); stopping
// one that is not running does nothing.
func (r *Redis) Stop() error {
	if !r.running() {
		return nil
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
		return nil
	case <-time.After(stopTimeout):
		return r.Kill()
	}
}

// Logs returns what redis-server wrote.
func (r *Redis) Logs() string { return r.logs.String() }

func (r *Redis) running() bool {
	if r.exited == nil {
		return false
	}
	select {
	case <-r.exited:
		return false
	default:
		return true
	}
}

// lineLog keeps the first lines a helper process writes, for a failure's
// message.
type lineLog struct {
	mu sync.Mutex
	b  strings.Builder
}

// maxLogBytes bounds what lineLog keeps: enough for a start-up failure.
const maxLogBytes = 64 << 10

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < maxLogBytes {
		l.b.Write(p[:min(len(p), maxLogBytes-l.b.Len())])
	}
	return len(p), nil
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
