// Package server wires roomcast together: HTTP routes, the socket.io
// transport, and the handlers that turn client messages into rooms calls.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
	"github.com/roomcast/roomcast/static"
)

// HTTP server timeouts. Websockets are hijacked and unaffected; the others
// bound what a slow or idle HTTP client can hold.
const (
	// readTimeout covers a polling POST body, at most MaxMessageBytes.
	readTimeout = 30 * time.Second
	// writeSlack is added to the ping interval for the write timeout: a
	// long-polling GET waits up to one ping interval for something to send.
	writeSlack  = 30 * time.Second
	idleTimeout = 120 * time.Second
)

// Server is one roomcast node.
type Server struct {
	cfg       Config
	log       *slog.Logger
	registry  *rooms.Registry
	stats     *counters
	sig       *signaling
	transport *transport.Server
	raw       *rawEndpoint
	admission *admission
	handler   http.Handler
	draining  atomic.Bool
	cert      *certificate // nil: plain HTTP
}

// New builds a server from a config that passes Validate.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	return newServer(cfg, log, static.ClientBundle())
}

// newServer is New with the client bundle's files as a parameter, so a test
// can build a server without them.
func newServer(cfg Config, log *slog.Logger, bundleFS fs.FS) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bundle, err := loadClientBundle(bundleFS)
	if err != nil {
		return nil, fmt.Errorf("reading the embedded client bundle: %w", err)
	}
	if !bundle.has("socket.io.js") {
		log.Warn("built without the socket.io client bundle: /socket.io/socket.io.js answers 404", "fix", "go tool task build")
	}
	s := &Server{cfg: cfg, log: log, registry: rooms.NewRegistry(cfg.Rooms), stats: newCounters()}
	sig := newSignaling(s.registry, cfg, s.stats, log)
	if sig.tokens, err = newRoomTokens(cfg.RoomTokens); err != nil {
		return nil, err
	}
	if sig.ice, err = newICESource(cfg.ICEServers, cfg.TURN); err != nil {
		return nil, err
	}
	if cfg.TLS.Enabled() {
		if s.cert, err = loadCertificate(cfg.TLS); err != nil {
			return nil, err
		}
	}
	s.sig = sig
	if cfg.RedisURL != "" {
		b, err := newRedisBroker(cfg.RedisURL, sig, s.stats, log)
		if err != nil {
			return nil, err
		}
		sig.broker, sig.clustered = b, true
		sig.peers.ids.prefix = b.node + "." // packet ids unique across nodes
		s.registry.SetCluster(b.membership())
	}
	adm := newAdmission(cfg.Limits)
	s.admission = adm
	s.transport, err = transport.New(cfg.transportConfig(adm, log), sig)
	if err != nil {
		return nil, err
	}
	s.raw = newRawEndpoint(sig, adm, cfg, log)
	s.handler = s.routes(s.transport, s.raw, bundle, s.page())
	return s, nil
}

// closePeers disconnects every peer, socket.io and raw websocket alike, and
// returns once each has left its rooms.
func (s *Server) closePeers() {
	s.sig.closing.Store(true)
	s.transport.Close()
	s.raw.Close()
	s.sig.broker.close() // after every peer has left: nothing is left to share
}

// ReloadTLS reads the certificate and key files again: connections made
// from then on get the new certificate, open ones keep theirs. On an error
// the old certificate stays in use.
func (s *Server) ReloadTLS() error {
	if s.cert == nil {
		return errors.New("no TLS certificate is configured")
	}
	if err := s.cert.reload(); err != nil {
		return err
	}
	s.log.Info("reloaded the TLS certificate", "cert", s.cfg.TLS.CertFile, "not_after", s.cert.notAfter())
	return nil
}

// drain keeps serving, with readiness at 503, for ShutdownDelay: a load
// balancer checking readiness meanwhile stops sending clients here, so the
// peers told to reconnect next reach another node. It returns early with
// the error of a listener that fails meanwhile, the peers closed.
func (s *Server) drain(served <-chan error) error {
	if s.cfg.ShutdownDelay <= 0 {
		return nil
	}
	delay := time.NewTimer(s.cfg.ShutdownDelay)
	defer delay.Stop()
	select {
	case <-delay.C:
		return nil
	case err := <-served:
		s.closePeers()
		return err
	}
}

// Handler serves every route of the node.
func (s *Server) Handler() http.Handler { return s.handler }

// Run serves on ln until ctx is done, then shuts down gracefully: readiness
// turns 503 while everything keeps being served for ShutdownDelay, then
// every peer is disconnected (their clients reconnect elsewhere), and open
// HTTP requests get ShutdownTimeout to finish. With TLS configured it
// serves TLS on ln.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	metrics, err := s.listenMetrics()
	if err != nil {
		return err
	}
	if metrics != nil {
		defer metrics.Close()
	}
	if s.cert != nil {
		ln = tls.NewListener(ln, s.cert.config())
	}
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      s.cfg.PingInterval + writeSlack,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		s.closePeers()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "delay", s.cfg.ShutdownDelay)
	s.draining.Store(true)
	if err := s.drain(served); err != nil {
		return err
	}
	s.closePeers()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("closing requests still open after the shutdown timeout", "timeout", s.cfg.ShutdownTimeout)
		err = hs.Close()
	}
	if errors.Is(<-served, http.ErrServerClosed) && err == nil {
		return nil
	}
	return err
}
