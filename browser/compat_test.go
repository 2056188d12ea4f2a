package browser

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/static/legacy"
)

// npmClientDist is where npm puts the socket.io client that roomcast serves.
var npmClientDist = filepath.Join("..", "node_modules", "socket.io-client", "dist")

// TestServedClientIsNPMPlusCompat: the served socket.io.js and .min.js are
// npm's files byte for byte, with roomcast's compat script inserted right
// before the source map comment, which stays the last line; the maps are
// npm's own, and still fit, since every line they describe is unchanged.
func TestServedClientIsNPMPlusCompat(t *testing.T) {
	srv := startServer(t)
	for _, name := range []string{"socket.io.js", "socket.io.min.js"} {
		t.Run(name, func(t *testing.T) {
			npm := readNPMClientFile(t, name)
			code, mapLine, ok := strings.Cut(npm, "\n//# sourceMappingURL=")
			if !ok {
				t.Fatalf("npm's %s has no source map comment", name)
			}
			want := code + "\n" + legacy.SocketIOCompat() + "//# sourceMappingURL=" + mapLine
			if got := fetch(t, srv.URL+"/socket.io/"+name); got != want {
				t.Errorf("served %s (%d bytes) is not npm's file (%d bytes) with the compat script before its source map comment", name, len(got), len(npm))
			}
			if got, want := fetch(t, srv.URL+"/socket.io/"+name+".map"), readNPMClientFile(t, name+".map"); got != want {
				t.Errorf("served %s.map differs from npm's", name)
			}
		})
	}
}

// TestCompatInChromium: in a page that loads either served client with a
// script tag, the 0.9-2.x calls exist: io.connect, and socket.json as the
// socket itself. TestPageSocketIOMessage calls through them for real.
func TestCompatInChromium(t *testing.T) {
	dir := t.TempDir()
	page := `<!doctype html><meta charset="utf-8"><title>compat</title>
<script src="/socket.io/socket.io.min.js"></script>`
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "--static-dir", dir)
	b := newTabBrowser(t)
	tabs := b.openTabs(t, []string{"min", "full"}, []string{srv.URL + "/", srv.URL + "/"})
	// The second tab swaps in the unminified client.
	tabs[1].eval(t, `new Promise((resolve, reject) => {
		delete window.io;
		const s = document.createElement("script");
		s.src = "/socket.io/socket.io.js";
		s.onload = () => resolve(true);
		s.onerror = reject;
		document.head.appendChild(s);
	})`, nil)
	for _, p := range tabs {
		var ok bool
		p.eval(t, `(() => {
			const s = io.connect(location.origin, { autoConnect: false });
			return s.json === s && typeof s.json.send === "function" && typeof s.json.emit === "function"
				&& Object.getOwnPropertyDescriptor(io.Socket.prototype, "json").get !== undefined;
		})()`, &ok)
		if !ok {
			t.Errorf("%s: socket.json is not the socket", p.name)
		}
	}
}

func readNPMClientFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(npmClientDist, name))
	if err != nil {
		t.Fatalf("npm's socket.io client is missing (go tool task bundle installs and copies it): %v", err)
	}
	return string(data)
}

func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(body)
}
