package browser

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// coturnRealm is the realm of the test's TURN server. With use-auth-secret
// the credentials do not depend on it, but coturn needs one.
const coturnRealm = "roomcast.test"

// coturn is coturn's turnserver, started for one test on a free loopback
// port. It takes the REST API credentials of a shared secret
// (use-auth-secret), as in production, and relays between loopback
// addresses, which a production server must never do.
type coturn struct {
	// url is the server as a page's RTCIceServer names it.
	url     string
	logFile string
}

// startCoturn runs turnserver with secret for the length of the test. It
// returns once the server answers STUN.
func startCoturn(t *testing.T, secret string) *coturn {
	t.Helper()
	bin := roomcasttest.RequireTool(t, "turnserver")
	dir := t.TempDir()
	port := freeUDPAndTCPPort(t)
	c := &coturn{url: fmt.Sprintf("turn:127.0.0.1:%d?transport=udp", port), logFile: filepath.Join(dir, "turnserver.log")}
	emptyConf := filepath.Join(dir, "turnserver.conf")
	if err := os.WriteFile(emptyConf, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{
		"-c", emptyConf, // not the machine's /etc/turnserver.conf
		"--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1",
		"--listening-port", strconv.Itoa(port),
		"--use-auth-secret", "--static-auth-secret=" + secret,
		"--realm", coturnRealm,
		"--no-tls", "--no-dtls", "--no-cli",
		// The pages' relayed candidates are loopback addresses.
		"--allow-loopback-peers",
		// coturn cannot log to stderr; it flushes each line of its file,
		// which the test reads. --simple-log keeps the file's name as given.
		"--log-file", c.logFile, "--simple-log", "--no-stdout-log",
		"--verbose", // a line per allocation, with its user
		"--pidfile", filepath.Join(dir, "turnserver.pid"),
		"--userdb", filepath.Join(dir, "turndb"),
	}
	cmd := exec.Command(bin, args...)
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting turnserver: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("turnserver log:\n%s%s", c.logs(), output.String())
		}
	})
	if err := waitSTUN(port, exited); err != nil {
		t.Fatalf("turnserver on port %d: %v", port, err) // the cleanup logs its output
	}
	return c
}

// logs is what coturn has logged so far.
func (c *coturn) logs() string {
	data, _ := os.ReadFile(c.logFile)
	return string(data)
}

// waitAllocated waits until coturn has logged a successful allocation for
// the TURN username.
func (c *coturn) waitAllocated(t *testing.T, username string) {
	t.Helper()
	user := "user <" + username + ">"
	deadline := time.Now().Add(waitTimeout)
	for {
		for _, line := range strings.Split(c.logs(), "\n") {
			if strings.Contains(line, user) && strings.Contains(line, "ALLOCATE processed, success") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("coturn logged no successful allocation for %s within %v:\n%s", user, waitTimeout, c.logs())
		}
		time.Sleep(pollInterval) // polling the log file
	}
}

// freeUDPAndTCPPort finds a loopback port free for both UDP and TCP, as
// turnserver listens on both.
func freeUDPAndTCPPort(t *testing.T) int {
	t.Helper()
	for range 20 {
		udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		udp.Close()
		if err == nil {
			tcp.Close()
			return port
		}
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return 0
}

// stunStartTimeout bounds how long turnserver may take to answer STUN.
const stunStartTimeout = 15 * time.Second

// waitSTUN sends STUN binding requests (RFC 5389) to the port until one is
// answered, turnserver exits, or stunStartTimeout passes.
func waitSTUN(port int, exited <-chan error) error {
	conn, err := net.Dial("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer conn.Close()
	request := make([]byte, 20)
	binary.BigEndian.PutUint16(request[0:], 0x0001)     // Binding request
	binary.BigEndian.PutUint32(request[4:], 0x2112A442) // magic cookie
	copy(request[8:], "roomcast-tst")                   // transaction id
	deadline := time.Now().Add(stunStartTimeout)
	answer := make([]byte, 512)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("turnserver exited: %v", err)
		default:
		}
		if _, err := conn.Write(request); err != nil {
			return err
		}
		_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := conn.Read(answer)
		if err == nil && n >= 20 && binary.BigEndian.Uint16(answer) == 0x0101 && string(answer[8:20]) == "roomcast-tst" {
			return nil // Binding success response
		}
		var ne net.Error
		if err != nil && !errors.As(err, &ne) && !errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
	}
	return fmt.Errorf("no STUN answer within %v", stunStartTimeout)
}
