package proc_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/proc"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// redisDo sends one inline command and returns the first line of the
// answer.
func redisDo(t *testing.T, addr, command string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("dialing redis: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(command + "\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

// A killed Redis is gone at once, and restarts on the same port empty.
func TestRedisKillAndRestartEmpty(t *testing.T) {
	bin := roomcasttest.RequireTool(t, "redis-server")
	r, err := proc.StartRedis(bin, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	if got := redisDo(t, r.Addr, "SET k v"); got != "+OK" {
		t.Fatalf("SET answered %q", got)
	}
	pid := r.PID
	if err := r.Kill(); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", r.Addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("redis still answers after Kill")
	}
	if err := r.Restart(); err != nil {
		t.Fatal(err)
	}
	if r.PID == pid {
		t.Fatalf("restarted with the same pid %d", pid)
	}
	if got := redisDo(t, r.Addr, "EXISTS k"); got != ":0" {
		t.Fatalf("after a restart EXISTS k answered %q, want :0 (empty)", got)
	}
	if !strings.HasPrefix(r.URL(), "redis://127.0.0.1:") {
		t.Fatalf("URL %s", r.URL())
	}
}
