package e2e

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/roomcast/roomcast/internal/proc"
)

// An invalid setting stops roomcast at start with one line on stderr and
// exit status 2, whether it comes from a flag or a ROOMCAST_* variable.
func TestInvalidConfigExitsWithOneLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"flag", []string{"--max-peers-per-room", "1"}, "", "max peers per room"},
		{"unknown flag", []string{"--no-such-flag"}, "", "no-such-flag"},
		{"variable", nil, "ROOMCAST_LOG_FORMAT=xml", "log format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(roomcastBin, tc.args...)
			cmd.Env = proc.CleanEnv()
			if tc.env != "" {
				cmd.Env = append(cmd.Env, tc.env)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit: %v, want status 2", err)
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Fatalf("stderr %q, want one line about %q", stderr.String(), tc.want)
			}
		})
	}
}

// SIGINT (Ctrl-C) shuts down as gracefully as SIGTERM, which every other
// test uses: connected clients are told, and the exit status is 0. The
// client is websocket-only: one caught polling in the middle of its upgrade
// notices a vanished server only at its own ping timeout (45 s), whatever
// the server does.
func TestInterruptShutsDownGracefully(t *testing.T) {
	t.Parallel()
	p, err := proc.Start(proc.Spec{Name: "roomcast", Argv: []string{roomcastBin, "--addr", "127.0.0.1:0", "--log-format", "json"}})
	if err != nil {
		t.Fatal(err)
	}
	d := startDriver(t)
	opts := inRoom("r")
	opts["transports"] = []string{"websocket"}
	a := d.connect(&server{Proc: p, URL: "http://" + p.Addr}, "a", clientV4, opts)
	if err := syscall.Kill(p.PID, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	a.waitFor(t, func(r report) bool { return r.Type == "disconnect" }, "disconnect on shutdown")
	if err := p.Wait(waitTimeout); err != nil {
		_ = p.Stop()
		t.Fatalf("after SIGINT: %v, want exit status 0\n%s", err, p.Logs())
	}
}
