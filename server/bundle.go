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

// loadClientBundle reads every .js and .map file of fsys. An empty result
// means the binary was built without the bundle.
func loadClientBundle(fsys fs.FS) (clientBundle, error) {
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
