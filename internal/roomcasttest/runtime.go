package roomcasttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Runtime is what a leak test reads off a server started with
// --debug-endpoints.
type Runtime struct {
	Goroutines int
	// HeapAlloc is in bytes: after a forced GC when Runtime read it, as it
	// was when RuntimeWithoutGC did.
	HeapAlloc uint64
	OpenFDs   int
}

// Runtime forces a GC in the server, then reads its goroutines, heap and
// open file descriptors. The GC makes the heap comparable between readings.
func (s *Server) Runtime(t testing.TB) Runtime {
	t.Helper()
	s.get(t, "/debug/pprof/heap?gc=1") // the profile handler runs a GC first
	return s.RuntimeWithoutGC(t)
}

// RuntimeWithoutGC reads goroutines, heap and descriptors as they are. A GC
// runs the finalizers of network connections nobody references any more,
// closing them: only a reading without one shows a connection the server
// forgot to close.
func (s *Server) RuntimeWithoutGC(t testing.TB) Runtime {
	t.Helper()
	var vars struct {
		Goroutines int `json:"goroutines"`
		Memstats   struct {
			HeapAlloc uint64
		} `json:"memstats"`
	}
	if err := json.Unmarshal(s.get(t, "/debug/vars"), &vars); err != nil {
		t.Fatalf("/debug/vars: %v", err)
	}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(s.PID) + "/fd")
	if err != nil {
		t.Fatalf("counting the server's file descriptors: %v", err)
	}
	return Runtime{Goroutines: vars.Goroutines, HeapAlloc: vars.Memstats.HeapAlloc, OpenFDs: len(fds)}
}

// WaitRuntime polls Runtime until ok accepts it or the timeout passes, and
// returns the last reading: resources are released asynchronously after a
// client goes away.
func (s *Server) WaitRuntime(t testing.TB, timeout time.Duration, ok func(Runtime) bool) Runtime {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		r := s.Runtime(t)
		if ok(r) || time.Now().After(deadline) {
			return r
		}
		<-tick.C
	}
}

// GoroutineStacks returns the server's goroutines grouped by stack, for the
// log of a test that found too many.
func (s *Server) GoroutineStacks(t testing.TB) string {
	t.Helper()
	return string(s.get(t, "/debug/pprof/goroutine?debug=1"))
}

func (s *Server) get(t testing.TB, path string) []byte {
	t.Helper()
	res, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
	}
	return body
}

// CloseWait counts the server's TCP connections in CLOSE_WAIT: closed by the
// client, not yet by the server. It forces no GC, which would close them
// through the runtime's finalizers and hide a connection the server forgot.
func (s *Server) CloseWait(t testing.TB) int {
	t.Helper()
	_, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	localPort := fmt.Sprintf(":%04X", p)
	table, err := os.ReadFile("/proc/" + strconv.Itoa(s.PID) + "/net/tcp")
	if err != nil {
		t.Fatalf("reading the TCP table: %v", err)
	}
	n := 0
	for _, line := range strings.Split(string(table), "\n")[1:] {
		// sl local_address rem_address st ...; st 08 is CLOSE_WAIT
		fields := strings.Fields(line)
		if len(fields) > 3 && strings.HasSuffix(fields[1], localPort) && fields[3] == "08" {
			n++
		}
	}
	return n
}
