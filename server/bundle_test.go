package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/roomcast/roomcast/static/legacy"
)

// newRouteServer is a real Server, whose routes the tests serve with a test
// bundle.
func newRouteServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(DefaultConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newTestRouter serves s's routes with bundle, and 404 for the transport and
// the page.
func newTestRouter(t *testing.T, s *Server, bundle http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(s.routes(http.NotFoundHandler(), http.NotFoundHandler(), bundle, http.NotFoundHandler()))
	t.Cleanup(ts.Close)
	return ts
}

// get requests url with the given headers and returns the response and body.
func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, string(body)
}

// The test bundle is laid out as the npm package's dist folder: code, then
// the source map comment on the last line.
const (
	testJSCode     = "console.log('socket.io');\n"
	testJSMapLine  = "//# sourceMappingURL=socket.io.js.map\n"
	testJS         = testJSCode + testJSMapLine
	testMinJSCode  = "console.log(1)\n"
	testMinMapLine = "//# sourceMappingURL=socket.io.min.js.map"
	testMinJS      = testMinJSCode + testMinMapLine
	testMsgpackJS  = "console.log(2)\n//# sourceMappingURL=socket.io.msgpack.min.js.map\n"
	testMap        = `{"version":3}`
)

func testBundleFS() fstest.MapFS {
	return fstest.MapFS{
		"socket.io.js":             {Data: []byte(testJS)},
		"socket.io.min.js":         {Data: []byte(testMinJS)},
		"socket.io.js.map":         {Data: []byte(testMap)},
		"socket.io.msgpack.min.js": {Data: []byte(testMsgpackJS)},
		"README.md":                {Data: []byte("# not served")},
	}
}

func loadTestBundle(t *testing.T) clientBundle {
	t.Helper()
	b, err := loadClientBundle(testBundleFS())
	if err != nil {
		t.Fatalf("loadClientBundle: %v", err)
	}
	return b
}

func TestLoadClientBundle(t *testing.T) {
	b := loadTestBundle(t)
	var names []string
	for name := range b {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"socket.io.js", "socket.io.js.map", "socket.io.min.js", "socket.io.msgpack.min.js"}
	if !slices.Equal(names, want) {
		t.Errorf("loaded %q, want %q", names, want)
	}
	if !b.has("socket.io.js") {
		t.Error(`has("socket.io.js") = false, want true`)
	}
	if b.has("README.md") {
		t.Error(`has("README.md") = true, want false`)
	}
	if b["socket.io.js"].etag == b["socket.io.min.js"].etag {
		t.Error("two different files share an ETag")
	}
}

func TestLoadClientBundleEmpty(t *testing.T) {
	b, err := loadClientBundle(fstest.MapFS{})
	if err != nil {
		t.Fatalf("loadClientBundle(empty): %v", err)
	}
	if len(b) != 0 || b.has("socket.io.js") {
		t.Errorf("empty FS loaded %d files, want none", len(b))
	}
}

func TestClientBundleServe(t *testing.T) {
	ts := newTestRouter(t, newRouteServer(t), loadTestBundle(t))

	tests := []struct {
		file            string
		wantContentType string
		wantBody        string
	}{
		{"socket.io.js", "application/javascript; charset=utf-8", testJSCode + legacy.SocketIOCompat() + testJSMapLine},
		{"socket.io.min.js", "application/javascript; charset=utf-8", testMinJSCode + legacy.SocketIOCompat() + testMinMapLine},
		{"socket.io.js.map", "application/json; charset=utf-8", testMap},
		{"socket.io.msgpack.min.js", "application/javascript; charset=utf-8", testMsgpackJS},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			url := ts.URL + "/socket.io/" + tt.file
			resp, body := get(t, url, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tt.wantContentType {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantContentType)
			}
			if body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag header")
			}

			resp, body = get(t, url, map[string]string{"If-None-Match": etag})
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation status = %d, want 304", resp.StatusCode)
			}
			if body != "" {
				t.Errorf("304 body = %q, want empty", body)
			}

			resp, _ = get(t, url, map[string]string{"If-None-Match": `"stale"`})
			if resp.StatusCode != http.StatusOK {
				t.Errorf("stale ETag status = %d, want 200", resp.StatusCode)
			}
		})
	}
}

func TestClientBundleNotFound(t *testing.T) {
	ts := newTestRouter(t, newRouteServer(t), loadTestBundle(t))
	for _, file := range []string{"nope.js", "README.md"} {
		resp, body := get(t, ts.URL+"/socket.io/"+file, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /socket.io/%s status = %d, want 404", file, resp.StatusCode)
		}
		if strings.Contains(body, "go tool task build") {
			t.Errorf("GET /socket.io/%s in a built bundle says the bundle is missing: %q", file, body)
		}
	}
}

func TestClientBundleMissing(t *testing.T) {
	empty, err := loadClientBundle(fstest.MapFS{})
	if err != nil {
		t.Fatalf("loadClientBundle(empty): %v", err)
	}
	ts := newTestRouter(t, newRouteServer(t), empty)
	resp, body := get(t, ts.URL+"/socket.io/socket.io.js", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status = %d, want 404", resp.StatusCode)
	}
	if !strings.Contains(body, "go tool task build") {
		t.Errorf("body = %q, want it to explain `go tool task build`", body)
	}
}

func TestClientBundleHead(t *testing.T) {
	ts := newTestRouter(t, newRouteServer(t), loadTestBundle(t))
	resp, err := http.Head(ts.URL + "/socket.io/socket.io.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/javascript; charset=utf-8" {
		t.Fatalf("HEAD: %d %q, want 200 with the script's content type", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestWithCompat(t *testing.T) {
	const compat = "compat();\n"
	tests := []struct {
		name, file, want string
	}{
		{"before the source map comment", "a();\n//# sourceMappingURL=a.js.map\n", "a();\ncompat();\n//# sourceMappingURL=a.js.map\n"},
		{"comment without a final newline", "a();\n//# sourceMappingURL=a.js.map", "a();\ncompat();\n//# sourceMappingURL=a.js.map"},
		{"only the last comment counts", "//# sourceMappingURL=old.map\na();\n//# sourceMappingURL=a.js.map\n", "//# sourceMappingURL=old.map\na();\ncompat();\n//# sourceMappingURL=a.js.map\n"},
		{"a file that is only the comment", "//# sourceMappingURL=a.js.map\n", "compat();\n//# sourceMappingURL=a.js.map\n"},
		{"no comment: at the end", "a();\n", "a();\ncompat();\n"},
		{"no comment nor final newline", "a()", "a()\ncompat();\n"},
		{"empty file", "", "compat();\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(withCompat([]byte(tt.file), compat)); got != tt.want {
				t.Errorf("withCompat(%q) = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
	t.Run("compat without a final newline", func(t *testing.T) {
		if got := string(withCompat([]byte("a();\n"), "compat()")); got != "a();\ncompat()\n" {
			t.Errorf("got %q, want the compat script on lines of its own", got)
		}
	})
	t.Run("empty compat", func(t *testing.T) {
		if got := string(withCompat([]byte("a()"), "")); got != "a()" {
			t.Errorf("got %q, want the file unchanged", got)
		}
	})
}

// TestClientBundleCompatETag: the ETag follows the served bytes, so browsers
// fetch the client again when either the npm file or the compat script
// changes, and only the files that carry the script change.
func TestClientBundleCompatETag(t *testing.T) {
	load := func(fsys fstest.MapFS, compat string) clientBundle {
		t.Helper()
		b, err := loadClientBundleWith(fsys, compat)
		if err != nil {
			t.Fatalf("loadClientBundleWith: %v", err)
		}
		return b
	}
	base := load(testBundleFS(), "compat(1);\n")
	otherCompat := load(testBundleFS(), "compat(2);\n")
	changedFiles := testBundleFS()
	changedFiles["socket.io.js"] = &fstest.MapFile{Data: []byte("console.log('4.8.5');\n" + testJSMapLine)}
	changedFiles["socket.io.min.js"] = &fstest.MapFile{Data: []byte("console.log(3)\n" + testMinMapLine)}
	otherFile := load(changedFiles, "compat(1);\n")

	for name := range compatTargets {
		if base[name].etag == otherCompat[name].etag {
			t.Errorf("%s: the ETag did not change with the compat script", name)
		}
		if base[name].etag == otherFile[name].etag {
			t.Errorf("%s: the ETag did not change with the npm file", name)
		}
	}
	for _, name := range []string{"socket.io.js.map", "socket.io.msgpack.min.js"} {
		if base[name].etag != otherCompat[name].etag {
			t.Errorf("%s carries no compat script, but its ETag changed with it", name)
		}
		if string(base[name].data) != string(testBundleFS()[name].Data) {
			t.Errorf("%s is served changed: %q", name, base[name].data)
		}
	}
}
