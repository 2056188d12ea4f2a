package server

import (
	"expvar"
	"net/http"
	"runtime"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/static"
)

// routes is the whole HTTP surface, in one place.
func (s *Server) routes(sockets, raw, bundle, page http.Handler) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	if s.cfg.MetricsAddr == "" {
		r.Method(http.MethodGet, "/metrics", s.metricsHandler())
	}
	r.Route("/socket.io", func(r chi.Router) {
		r.Handle("/", sockets)             // Engine.IO: polling and websocket
		r.Get("/{file}", bundle.ServeHTTP) // the official client bundle
		r.Head("/{file}", bundle.ServeHTTP)
	})
	if s.cfg.DebugEndpoints {
		publishRuntimeVars()
		r.Mount("/debug", middleware.Profiler())
	}
	r.Get("/ws", raw.ServeHTTP) // the raw websocket dialects
	// Raw websocket pages open ws://host:port/ itself.
	r.Handle("/*", upgradeOr(raw, page))
	return r
}

// upgradeOr sends websocket upgrades to ws and everything else to h.
func upgradeOr(ws, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if websocket.IsWebSocketUpgrade(r) {
			ws.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// publishRuntimeVars adds the goroutine count to /debug/vars, next to the
// memory statistics expvar publishes itself. Leak tests read both.
var publishRuntimeVars = sync.OnceFunc(func() {
	expvar.Publish("goroutines", expvar.Func(func() any { return runtime.NumGoroutine() }))
})

// page serves the embedded page, or the operator's own directory.
func (s *Server) page() http.Handler {
	if s.cfg.StaticDir != "" {
		return http.FileServer(http.Dir(s.cfg.StaticDir))
	}
	return http.FileServerFS(static.Site())
}
