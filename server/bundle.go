package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/roomcast/roomcast/static/legacy"
)

// bundleMissing tells whoever requests the client why it is not there.
const bundleMissing = "the socket.io client bundle is not built into this binary: " +
	"run `go tool task build` (npm ci, then copy node_modules/socket.io-client/dist into static/socketio) and rebuild\n"

type bundleFile struct {
	data        []byte
	etag        string
	contentType string
}

// clientBundle serves the official socket.io client's dist files from memory,
// with an ETag so browsers revalidate instead of downloading 50 KB each visit.
type clientBundle map[string]bundleFile

// compatTargets are the files old pages load with a <script> tag: the
// browser builds that define the global io. The ESM build has no old pages,
// and the msgpack build speaks a parser roomcast does not.
var compatTargets = map[string]bool{"socket.io.js": true, "socket.io.min.js": true}

// sourceMapComment starts the line by which an npm dist file names its source
// map.
const sourceMapComment = "//# sourceMappingURL="

// loadClientBundle reads every .js and .map file of fsys, with roomcast's
// compatibility script for old pages in the compatTargets. An empty result
// means the binary was built without the bundle.
func loadClientBundle(fsys fs.FS) (clientBundle, error) {
	return loadClientBundleWith(fsys, legacy.SocketIOCompat())
}

// loadClientBundleWith is loadClientBundle with the compatibility script as a
// parameter, so a test can tell its effect on the ETag from the file's.
func loadClientBundleWith(fsys fs.FS, compat string) (clientBundle, error) {
	b := clientBundle{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := path.Ext(name)
		if ext != ".js" && ext != ".map" {
			return nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if compatTargets[name] {
			data = withCompat(data, compat)
		}
		sum := sha256.Sum256(data)
		ct := "application/javascript; charset=utf-8"
		if ext == ".map" {
			ct = "application/json; charset=utf-8"
		}
		b[name] = bundleFile{data: data, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: ct}
		return nil
	})
	return b, err
}

// withCompat inserts compat into an npm dist file right before its source map
// comment. Tools take the map's address only from a file's last comment, and
// every line the map describes keeps its number and its bytes, so the map
// stays right unchanged. A file without the comment gets compat at its end;
// an empty compat leaves the file as it is.
func withCompat(data []byte, compat string) []byte {
	if compat == "" {
		return data
	}
	at := len(data)
	if i := bytes.LastIndex(data, []byte("\n"+sourceMapComment)); i >= 0 {
		at = i + 1
	} else if bytes.HasPrefix(data, []byte(sourceMapComment)) {
		at = 0
	}
	out := make([]byte, 0, len(data)+len(compat)+2)
	out = append(out, data[:at]...)
	if at > 0 && data[at-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, compat...)
	if !strings.HasSuffix(compat, "\n") {
		out = append(out, '\n')
	}
	return append(out, data[at:]...)
}

func (b clientBundle) has(name string) bool { _, ok := b[name]; return ok }

func (b clientBundle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	f, ok := b[name]
	if !ok {
		if len(b) == 0 && strings.HasPrefix(name, "socket.io") {
			http.Error(w, bundleMissing, http.StatusNotFound)
			return
		}
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("ETag", f.etag)
	w.Header().Set("Cache-Control", "public, max-age=0, must-revalidate")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
}
