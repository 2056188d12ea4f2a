// Package static holds what roomcast serves to browsers: the page, and the
// official socket.io client bundle copied from npm at build time.
package static

import (
	"embed"
	"io/fs"
)

//go:embed site
var site embed.FS

// The bundle folder is filled by `go tool task bundle` and ignored by git; it
// holds only .gitkeep in a fresh clone, so a plain `go build` still works.
//
//go:embed all:socketio
var bundle embed.FS

// Site is the page served at /.
func Site() fs.FS { return sub(site, "site") }

// ClientBundle holds socket.io-client's dist files (socket.io.js,
// socket.io.min.js and their source maps), or nothing when the binary was
// built without them.
func ClientBundle() fs.FS { return sub(bundle, "socketio") }

func sub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant embedded above; this cannot happen
	}
	return s
}
