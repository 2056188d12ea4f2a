package transport

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
)

// Server serves Engine.IO and Socket.IO at the path it is mounted on (the
// official clients use /socket.io/).
type Server struct {
	cfg      Config
	handler  Handler
	upgrader websocket.Upgrader
	stats    counters

	mu       sync.Mutex
	sessions map[string]*session
	closing  bool
	live     sync.WaitGroup // sessions not yet finished
}

// ErrClosed refuses new sessions once Close has begun.
var ErrClosed = errors.New("transport: closed")

// New returns a server that hands every socket to h.
func New(cfg Config, h Handler) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	srv := &Server{cfg: cfg, handler: h, sessions: make(map[string]*session)}
	srv.upgrader = websocket.Upgrader{
		// A small read buffer: messages larger than it are read straight
		// into the message's own buffer, and idle connections hold only
		// this. Writes bypass gorilla's buffer (see wsConn).
		ReadBufferSize:  1024,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     func(r *http.Request) bool { return srv.originAllowed(r.Header.Get("Origin")) },
		Error: func(w http.ResponseWriter, r *http.Request, _ int, _ error) {
			srv.refuse(w, r, eio.BadRequest, "not a websocket upgrade")
		},
	}
	return srv, nil
}

// ServeHTTP routes a request by its query: a handshake without sid, a poll
// or post of a polling session, or a websocket.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, ok := srv.version(q.Get("EIO"))
	if !ok {
		srv.refuse(w, r, eio.UnsupportedProtocolVersion, "EIO "+q.Get("EIO"))
		return
	}
	transportName := q.Get("transport")
	if transportName != "polling" && transportName != "websocket" {
		srv.refuse(w, r, eio.UnknownTransport, "transport "+transportName)
		return
	}
	if !srv.originAllowed(r.Header.Get("Origin")) {
		srv.refuse(w, r, eio.Forbidden, "origin "+r.Header.Get("Origin"))
		return
	}
	if r.Method == http.MethodOptions {
		srv.preflight(w, r)
		return
	}
	sid := q.Get("sid")
	switch {
	case sid == "" && transportName == "polling":
		srv.openPolling(w, r, v, q.Get("b64") != "")
	case sid == "":
		srv.openWebsocket(w, r, v)
	default:
		srv.serveSession(w, r, v, sid, transportName)
	}
}

func (srv *Server) version(s string) (eio.Version, bool) {
	switch {
	case s == "4":
		return eio.V4, true
	case s == "3" && srv.cfg.AllowEIO3:
		return eio.V3, true
	}
	return 0, false
}

// serveSession takes a request of an existing session.
func (srv *Server) serveSession(w http.ResponseWriter, r *http.Request, v eio.Version, sid, transportName string) {
	s := srv.lookup(sid)
	if s == nil {
		srv.refuse(w, r, eio.UnknownSID, "sid unknown")
		return
	}
	if s.version != v {
		srv.refuse(w, r, eio.BadRequest, "EIO does not match the session's")
		return
	}
	if transportName == "websocket" {
		srv.upgradeSession(w, r, s)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.servePoll(w, r)
	case http.MethodPost:
		s.servePost(w, r)
	default:
		srv.refuse(w, r, eio.BadRequest, "method "+r.Method)
	}
}

// openPolling answers a polling handshake with the open packet.
func (srv *Server) openPolling(w http.ResponseWriter, r *http.Request, v eio.Version, b64 bool) {
	if r.Method != http.MethodGet {
		srv.refuse(w, r, eio.BadHandshakeMethod, "method "+r.Method)
		return
	}
	release, ok := srv.admit(w, r)
	if !ok {
		return
	}
	s := newSession(srv, v, kindPolling, b64 && v == eio.V3, handshakeOf(r))
	s.release = release
	if !srv.register(s) {
		srv.refuse(w, r, eio.BadRequest, "shutting down")
		return
	}
	open := eio.NewHandshake(v, s.id, []string{"websocket"}, srv.cfg.PingInterval, srv.cfg.PingTimeout, srv.cfg.MaxPayload).Encode()
	c := getChunk()
	c.b = appendFrameHeader(c.b, opText, 1+len(open))
	c.b = eio.AppendText(c.b, eio.Open, open)
	body, contentType := s.encodePoll(c, eio.Noop)
	putChunk(c)
	srv.writePolling(w, r, contentType, body.b)
	putChunk(body)
	srv.start(s)
}

// openWebsocket upgrades a websocket-only handshake and reads it.
func (srv *Server) openWebsocket(w http.ResponseWriter, r *http.Request, v eio.Version) {
	if !websocket.IsWebSocketUpgrade(r) {
		srv.refuse(w, r, eio.BadRequest, "transport=websocket without an upgrade")
		return
	}
	hs := handshakeOf(r)
	release, ok := srv.admit(w, r)
	if !ok {
		return
	}
	c, err := srv.upgrader.Upgrade(w, r, nil)
	if err != nil {
		if release != nil {
			release()
		}
		return // the upgrader has answered
	}
	ws := newWSConn(c, srv.cfg)
	s := newSession(srv, v, kindWebsocket, false, hs)
	s.ws, s.release = ws, release
	if !srv.register(s) {
		ws.close()
		return
	}
	open := eio.NewHandshake(v, s.id, nil, srv.cfg.PingInterval, srv.cfg.PingTimeout, srv.cfg.MaxPayload).Encode()
	s.queue(eio.Open, open)
	srv.start(s)
	// The read loop gets its own goroutine so this request's goroutine can
	// end: while it runs, net/http keeps the connection's 4 KiB read and
	// write buffers, the request and its headers, for as long as the
	// websocket lives — the larger part of an idle peer's memory.
	go s.readLoop(ws)
}

// upgradeSession takes the websocket a polling session probes.
func (srv *Server) upgradeSession(w http.ResponseWriter, r *http.Request, s *session) {
	if !websocket.IsWebSocketUpgrade(r) {
		srv.refuse(w, r, eio.BadRequest, "transport=websocket without an upgrade")
		return
	}
	c, err := srv.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ws := newWSConn(c, srv.cfg)
	s.mu.Lock()
	if s.closed || s.kind != kindPolling || s.probe != nil {
		// One websocket per session: the protocol says to close a second.
		s.mu.Unlock()
		srv.cfg.Logger.Debug("closing a second websocket for a session", "sid", s.id)
		ws.close()
		return
	}
	s.probe = ws
	s.mu.Unlock()
	go s.probeUpgrade(ws) // on its own goroutine, as in openWebsocket

}

// start begins a registered session's timers and, for version 3 clients,
// which connect to the main namespace implicitly, its socket.
func (srv *Server) start(s *session) {
	s.mu.Lock()
	s.startHeartbeatLocked()
	s.mu.Unlock()
	if s.version == eio.V3 {
		s.dispatch.Lock()
		if !s.isClosed() {
			s.connectSocket(nil)
		}
		s.dispatch.Unlock()
	}
}

// admit asks Config.Admit about a handshake; a refusal is answered here.
func (srv *Server) admit(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	if srv.cfg.Admit == nil {
		return nil, true
	}
	release, err := srv.cfg.Admit(r)
	if err != nil {
		srv.refuse(w, r, eio.Forbidden, err.Error())
		return nil, false
	}
	return release, true
}

func (srv *Server) register(s *session) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closing {
		if s.release != nil {
			s.release()
		}
		return false
	}
	srv.sessions[s.id] = s
	srv.live.Add(1)
	srv.stats.opened(s)
	srv.cfg.Logger.Info("connection opened", "remote", s.handshake.RemoteAddr,
		"transport", s.kind.String(), "eio", int(s.version))
	return true
}

func (srv *Server) lookup(sid string) *session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.sessions[sid]
}

// forget removes a closed session from the sid table: its sid is unknown
// from now on.
func (srv *Server) forget(s *session) {
	srv.mu.Lock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
	srv.mu.Unlock()
}

// sessionDone is the last step of a session.
func (srv *Server) sessionDone(s *session) {
	if s.release != nil {
		s.release()
	}
	srv.stats.closed(s)
	s.mu.Lock()
	transport, reason := s.kind.String(), s.reason
	s.mu.Unlock()
	srv.cfg.Logger.Info("connection closed", "remote", s.handshake.RemoteAddr, "transport", transport,
		"eio", int(s.version), "duration", time.Since(s.opened).Round(time.Millisecond), "reason", reason)
	srv.live.Done()
}

// Close closes every session, as for a restart (the official clients
// reconnect), refuses new ones, and returns once every Disconnect has run.
func (srv *Server) Close() {
	srv.mu.Lock()
	srv.closing = true
	open := make([]*session, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		open = append(open, s)
	}
	srv.mu.Unlock()
	for _, s := range open {
		s.close(ReasonServerShuttingDown)
	}
	srv.live.Wait()
}

func handshakeOf(r *http.Request) Handshake {
	return Handshake{
		RawQuery: r.URL.RawQuery, Host: r.Host, RemoteAddr: r.RemoteAddr,
		Origin: r.Header.Get("Origin"), ForwardedFor: r.Header.Get("X-Forwarded-For"),
		UserAgent: r.Header.Get("User-Agent"),
	}
}

// originAllowed applies the allowlist; requests without an Origin (not from
// a browser page) pass.
func (srv *Server) originAllowed(origin string) bool {
	if origin == "" || srv.cfg.AllowedOrigins[0] == "*" {
		return true
	}
	for _, o := range srv.cfg.AllowedOrigins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// cors lets an allowed page read the answer. The origin is echoed with
// credentials allowed: socket.io-client 2.x polls with credentials, which
// browsers refuse against a literal "*". A refused origin gets no CORS
// headers: its page must not read even the refusal.
func (srv *Server) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !srv.originAllowed(origin) {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
}

func (srv *Server) preflight(w http.ResponseWriter, r *http.Request) {
	srv.cors(w, r)
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

func (srv *Server) writePolling(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	srv.cors(w, r)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// refuse answers a request the protocol refuses, with the reference
// server's error body.
func (srv *Server) refuse(w http.ResponseWriter, r *http.Request, code eio.ErrorCode, why string) {
	srv.cfg.Logger.Debug("refused a socket.io request", "code", code.Message(), "why", why, "remote", r.RemoteAddr)
	srv.stats.refused.Add(1)
	srv.writeError(w, r, code.Status(), code)
}

func (srv *Server) writeError(w http.ResponseWriter, r *http.Request, status int, code eio.ErrorCode) {
	srv.cors(w, r)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(code.Body())
}
