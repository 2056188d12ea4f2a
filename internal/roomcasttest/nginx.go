package roomcasttest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/proc"
)

// nginxStartTimeout bounds nginx's start: it answers within milliseconds
// when it works.
const nginxStartTimeout = 10 * time.Second

// Nginx is an nginx process of one test, serving a configuration of the
// test's on a free loopback port.
type Nginx struct {
	// Addr is 127.0.0.1:port; URL is http://Addr.
	Addr, URL string
}

// StartNginx runs nginx for the length of the test (skipped when it is not
// installed, outside CI) with the http-level configuration site returns for
// the address it must listen on (as one would put in /etc/nginx/conf.d/).
// Everything nginx writes stays in a temporary folder.
func StartNginx(t testing.TB, site func(listen string) string) *Nginx {
	t.Helper()
	bin := RequireTool(t, "nginx")
	port, err := proc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	n := &Nginx{Addr: "127.0.0.1:" + strconv.Itoa(port)}
	n.URL = "http://" + n.Addr
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(filepath.Join(dir, "site.conf"), []byte(site(n.Addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte(nginxMain(dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	cmd.Env = proc.CleanEnv()
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	logs := func() string {
		errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return out.String() + string(errLog)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // fast shutdown
		select {
		case <-exited:
		case <-time.After(nginxStartTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("nginx logs:\n%s", logs())
		}
	})
	deadline := time.Now().Add(nginxStartTimeout)
	for {
		conn, err := net.DialTimeout("tcp", n.Addr, time.Second)
		if err == nil {
			conn.Close()
			return n
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("nginx exited before listening on %s: %v\n%s", n.Addr, err, logs())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s within %v\n%s", n.Addr, nginxStartTimeout, logs())
		}
	}
}

// nginxMain is the main configuration around the site: in the foreground,
// one worker, as the user running the test (whose temporary folder it
// writes), every file in dir.
func nginxMain(dir string) string {
	userLine := ""
	if u, err := user.Current(); err == nil {
		if g, err := user.LookupGroupId(u.Gid); err == nil {
			userLine = fmt.Sprintf("user %s %s;\n", u.Username, g.Name)
		}
	}
	if os.Geteuid() != 0 {
		userLine = "" // only root's nginx switches users
	}
	return userLine + `daemon off;
master_process on;
worker_processes 1;
pid ` + filepath.Join(dir, "nginx.pid") + `;
error_log ` + filepath.Join(dir, "error.log") + ` info;
events { worker_connections 1024; }
http {
    access_log ` + filepath.Join(dir, "access.log") + `;
    client_body_temp_path ` + filepath.Join(dir, "client_body") + `;
    proxy_temp_path ` + filepath.Join(dir, "proxy") + `;
    fastcgi_temp_path ` + filepath.Join(dir, "fastcgi") + `;
    uwsgi_temp_path ` + filepath.Join(dir, "uwsgi") + `;
    scgi_temp_path ` + filepath.Join(dir, "scgi") + `;
    include ` + filepath.Join(dir, "site.conf") + `;
}
`
}
