package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// nginxConfig is the README's two-node configuration, used as it is but
// for its addresses.
var nginxConfig = filepath.Join("..", "docs", "nginx-two-nodes.conf")

// nginxSite is nginxConfig listening on listen, in front of the nodes.
func nginxSite(t *testing.T, listen string, nodes []*server) string {
	t.Helper()
	b, err := os.ReadFile(nginxConfig)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	replace := func(old, new string) {
		t.Helper()
		if strings.Count(conf, old) != 1 {
			t.Fatalf("%s has %q %d times, want once: the test no longer fits it", nginxConfig, old, strings.Count(conf, old))
		}
		conf = strings.Replace(conf, old, new, 1)
	}
	replace("listen 3000;", "listen "+listen+";")
	replace("server 127.0.0.1:3001;", "server "+nodes[0].Addr+";")
	replace("server 127.0.0.1:3002;", "server "+nodes[1].Addr+";")
	return conf
}

// Client addresses whose ip_hash (of their first three bytes) sends them to
// the first and the second node of the upstream.
const (
	addrOnFirstNode      = "127.0.0.1"
	otherAddrOnFirstNode = "127.0.2.1"
	addrOnSecondNode     = "127.0.1.1"
)

// Behind nginx, as the README sets it up: a polling-only client and a
// websocket-only one, kept on different nodes by ip_hash, share a room and
// signal each other; the nodes count each client by its own address.
func TestClusterBehindNginx(t *testing.T) {
	t.Parallel()
	flags := readmeNodeFlags(t)
	// One connection per address, to see that each client counts as itself.
	_, nodes := startCluster(t, 2, append(flags, "--max-connections-per-ip", "1")...)
	proxy := roomcasttest.StartNginx(t, func(listen string) string { return nginxSite(t, listen, nodes) })
	front := &server{URL: proxy.URL}
	d := startDriver(t)
	from := func(addr, transport string) map[string]any {
		opts := inRoom("behind-nginx")
		opts["localAddress"], opts["transports"] = addr, []string{transport}
		return opts
	}
	p := d.connect(front, "polling", clientV4, from(addrOnFirstNode, "polling"))
	p.next(t, "joined")
	w := d.connect(front, "websocket", clientV4, from(addrOnSecondNode, "websocket"))
	var j joinResult
	w.next(t, "joined").arg(t, 0, &j)
	sameIDs(t, "the websocket client's peers", j.Peers, p)
	if p.Transport != "polling" || w.Transport != "websocket" {
		t.Fatalf("transports %s and %s, want polling and websocket", p.Transport, w.Transport)
	}
	for i, s := range nodes {
		if r := s.Readiness(t); r.Peers != 1 {
			t.Fatalf("node %d holds %d peers, want 1: ip_hash put the two clients on one node", i, r.Peers)
		}
	}

	ackOK(t, p.call(t, "offer", map[string]any{"sdp": "through nginx"}))
	if got := payload(t, w.nextWith(t, "offer", "sdp", "through nginx")); got["from"] != p.ID {
		t.Fatalf("offer from %v, want %s", got["from"], p.ID)
	}
	ackOK(t, w.call(t, "answer", map[string]any{"to": p.ID, "sdp": "back"}))
	if got := payload(t, p.nextWith(t, "answer", "sdp", "back")); got["from"] != w.ID {
		t.Fatalf("answer from %v, want %s", got["from"], w.ID)
	}

	// X-Forwarded-For from a trusted proxy: with one connection per
	// address, another client on the first node is admitted, and a second
	// one from the polling client's address is not.
	other := d.connect(front, "other address", clientV4, from(otherAddrOnFirstNode, "websocket"))
	other.next(t, "joined")
	if r := nodes[0].Readiness(t); r.Peers != 2 {
		t.Fatalf("node 0 holds %d peers, want the polling client and the other address's", r.Peers)
	}
	again := d.dial(front, "same address", clientV4, from(addrOnFirstNode, "websocket"))
	if r := again.waitFor(t, func(r report) bool { return r.Type == "connect" || r.Type == "connect_error" }, "connect"); r.Type != "connect_error" {
		t.Fatalf("a second connection from %s was admitted, want it refused (--max-connections-per-ip 1)", addrOnFirstNode)
	}
}

// readmeNodeFlags are the flags the README's quick start gives both nodes,
// but their --addr and --redis-url, which the tests choose.
func readmeNodeFlags(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Several nodes\n")
	_, block, ok2 := strings.Cut(section, "```sh\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no sh block under \"## Several nodes\"")
	}
	var nodes [][]string
	for _, line := range strings.Split(block, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "bin/roomcast" {
			continue
		}
		var kept []string
		for i := 1; i < len(fields); i++ {
			switch fields[i] {
			case "--addr", "--redis-url":
				i++ // and its value
			default:
				kept = append(kept, fields[i])
			}
		}
		nodes = append(nodes, kept)
	}
	if len(nodes) != 2 || strings.Join(nodes[0], " ") != strings.Join(nodes[1], " ") || !slices.Contains(nodes[0], "--trusted-proxies") {
		t.Fatalf("README.md's quick start starts nodes with %v, want two alike, with --trusted-proxies", nodes)
	}
	return nodes[0]
}

// The README's quick start shows the configuration this test uses.
func TestReadmeShowsTheNginxConfig(t *testing.T) {
	t.Parallel()
	conf, err := os.ReadFile(nginxConfig)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```nginx\n"+string(conf)+"```\n") {
		t.Fatalf("README.md does not show %s as it is, in an nginx code block", nginxConfig)
	}
}
