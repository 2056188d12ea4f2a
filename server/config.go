package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// Defaults for Config.
const (
	DefaultAddr = ":3000"
	// DefaultConnectTimeout bounds how long a new connection may take to open
	// its socket.io namespace. socket.io's own default is 45 s; a client
	// whose connect was lost is better closed early, so the official client
	// reconnects at once instead of hanging.
	DefaultConnectTimeout = transport.DefaultConnectTimeout
	// DefaultPingInterval and DefaultPingTimeout are socket.io's own defaults,
	// which every official client version expects.
	DefaultPingInterval = transport.DefaultPingInterval
	DefaultPingTimeout  = transport.DefaultPingTimeout
	// DefaultMaxMessageBytes is the largest message a client may send. An
	// SDP offer with every candidate is a few KB, a tenth of it; socket.io's
	// own 1 MB only lets a client make the server buffer more.
	DefaultMaxMessageBytes = 64 << 10
	// DefaultShutdownTimeout is how long a graceful shutdown waits for open
	// HTTP requests before closing them.
	DefaultShutdownTimeout = 10 * time.Second
	// DefaultShutdownDelay is how long a shutting-down node keeps serving
	// with readiness at 503 before it tells its peers to reconnect: a load
	// balancer that checks readiness meanwhile sends the reconnects to
	// another node. One second covers a balancer checking every second and
	// keeps a restart quick; behind a slower balancer, set its interval.
	DefaultShutdownDelay = time.Second
	// DefaultReadHeaderTimeout bounds how long a client may take to send a
	// request's headers: a slow-loris request holds its goroutine and
	// descriptor no longer. Browsers send them at once.
	DefaultReadHeaderTimeout = 10 * time.Second
)

// Config is everything roomcast can be told at start. Start from
// DefaultConfig; cmd/roomcast fills it from flags and ROOMCAST_* variables.
type Config struct {
	// Addr is the host:port to listen on; port 0 picks a free one, which the
	// "listening" log line reports. Default: ":3000".
	Addr string
	// AllowedOrigins are the page origins allowed to connect, e.g.
	// "https://example.com"; "*" allows all. Requests without an Origin
	// header (non-browser clients) are always allowed. Default: ["*"].
	AllowedOrigins []string
	// StaticDir, when set, is served at / instead of the embedded page, for
	// people bringing their own page. Default: "" (embedded page).
	StaticDir string
	// LogFormat is "text" or "json". Default: "text".
	LogFormat string
	// LogLevel is "debug", "info", "warn" or "error". Default: "info".
	LogLevel string
	// ConnectTimeout: see DefaultConnectTimeout. Default: 5s.
	ConnectTimeout time.Duration
	// PingInterval and PingTimeout drive the engine's liveness check.
	// Default: 25s and 20s.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// MaxMessageBytes is the largest packet accepted from a client, and the
	// maxPayload announced to socket.io 3+ clients; a larger one closes that
	// client's connection (the raw websocket endpoint sends its error frame
	// first). Default: 64 KiB.
	MaxMessageBytes int64
	// AllowEIO3 accepts socket.io-client 1.x and 2.x (Engine.IO 3); when
	// false they are refused with "Unsupported protocol version".
	// Default: true.
	AllowEIO3 bool
	// ShutdownTimeout: see DefaultShutdownTimeout. Default: 10s.
	ShutdownTimeout time.Duration
	// ShutdownDelay: see DefaultShutdownDelay; 0 closes the peers at once.
	// Default: 1s.
	ShutdownDelay time.Duration
	// ReadHeaderTimeout: see DefaultReadHeaderTimeout. Default: 10s.
	ReadHeaderTimeout time.Duration
	// MetricsAddr is where /metrics is served: "" on Addr with everything
	// else, a host:port for a listener of its own (port 0 picks a free one,
	// logged as "serving metrics"), or MetricsOff for nowhere. Default: "".
	MetricsAddr string
	// DebugEndpoints serves /debug/pprof and /debug/vars (goroutines,
	// memory). They expose internals: keep them off on public addresses.
	// Default: false.
	DebugEndpoints bool
	// Limits bound what one client can make the server do.
	Limits Limits
	// Recovery is socket.io's connection state recovery.
	Recovery Recovery
	// RedisURL, when set (redis://host:port/db), makes this node share its
	// rooms with every node using the same Redis: joins, relays and every
	// protocol rule span nodes (docs/scaling.md). Default: "" (this node
	// alone).
	RedisURL string
	// ICEServers are handed to every page: in joined.iceServers and join
	// acks, and as signalmaster's stunservers/turnservers. Loopback and LAN
	// calls need none. Default: none.
	ICEServers rooms.ICEServers
	// TURN hands every page TURN servers with credentials of its own, next
	// to ICEServers (turn.go). Default: none.
	TURN TURN
	// TLS serves HTTPS and wss with roomcast's own certificate (tls.go).
	// Default: plain HTTP.
	TLS TLS
	// Rooms are the signaling rules.
	Rooms rooms.Config
	// RoomTokens makes rooms private: joining one needs a signed token.
	// Default: off.
	RoomTokens RoomTokens
}

// DefaultConfig returns the defaults documented on each field.
func DefaultConfig() Config {
	return Config{
		Addr:              DefaultAddr,
		AllowedOrigins:    []string{"*"},
		LogFormat:         "text",
		LogLevel:          "info",
		ConnectTimeout:    DefaultConnectTimeout,
		PingInterval:      DefaultPingInterval,
		PingTimeout:       DefaultPingTimeout,
		MaxMessageBytes:   DefaultMaxMessageBytes,
		AllowEIO3:         true,
		ShutdownTimeout:   DefaultShutdownTimeout,
		ShutdownDelay:     DefaultShutdownDelay,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		Limits:            DefaultLimits(),
		Recovery:          DefaultRecovery(),
		TURN:              DefaultTURN(),
		Rooms:             rooms.DefaultConfig(),
	}
}

// Validate reports the first setting that cannot work, as one sentence.
func (c Config) Validate() error {
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || !validPort(port) {
		return fmt.Errorf("addr %q is not host:port with a port from 0 to 65535", c.Addr)
	}
	if c.metricsOwnAddr() {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || !validPort(port) {
			return fmt.Errorf("metrics addr %q is not host:port with a port from 0 to 65535, nor %q", c.MetricsAddr, MetricsOff)
		}
	}
	if err := validateOrigins(c.AllowedOrigins); err != nil {
		return err
	}
	if c.StaticDir != "" {
		if st, err := os.Stat(c.StaticDir); err != nil || !st.IsDir() {
			return fmt.Errorf("static dir %q is not a readable directory", c.StaticDir)
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log format %q is not text or json", c.LogFormat)
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"connect timeout", c.ConnectTimeout}, {"ping interval", c.PingInterval},
		{"ping timeout", c.PingTimeout}, {"shutdown timeout", c.ShutdownTimeout},
		{"read header timeout", c.ReadHeaderTimeout},
	} {
		if d.v <= 0 {
			return fmt.Errorf("%s is %v, it must be positive", d.name, d.v)
		}
	}
	if c.ShutdownDelay < 0 {
		return fmt.Errorf("shutdown delay is %v, it must not be negative", c.ShutdownDelay)
	}
	if c.MaxMessageBytes < 1024 {
		return fmt.Errorf("max message bytes is %d, it must be at least 1024", c.MaxMessageBytes)
	}
	if err := c.Limits.Validate(); err != nil {
		return err
	}
	if err := c.Recovery.Validate(); err != nil {
		return err
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			return fmt.Errorf("redis url %q is not redis://host:port[/db], rediss://… or unix://…", c.RedisURL)
		}
	}
	if err := c.ICEServers.Validate(); err != nil {
		return err
	}
	if err := c.TURN.Validate(); err != nil {
		return err
	}
	if err := c.TLS.Validate(); err != nil {
		return err
	}
	if err := c.RoomTokens.Validate(); err != nil {
		return err
	}
	return c.Rooms.Validate()
}

// transportConfig is the socket.io transport's part of the config.
func (c Config) transportConfig(adm *admission, log *slog.Logger) transport.Config {
	t := transport.DefaultConfig()
	t.PingInterval, t.PingTimeout = c.PingInterval, c.PingTimeout
	t.ConnectTimeout = c.ConnectTimeout
	t.MaxPayload = c.MaxMessageBytes
	t.MaxQueuedBytes = max(t.MaxQueuedBytes, int(c.MaxMessageBytes))
	t.AllowEIO3 = c.AllowEIO3
	t.AllowedOrigins = c.AllowedOrigins
	t.Admit = func(r *http.Request) (func(), error) {
		release, err := adm.admit(r)
		if err != nil {
			log.Info("refused a socket.io connection", "why", err.Error(), "remote", r.RemoteAddr)
		}
		return release, err
	}
	t.Logger = log
	return t
}

func validateOrigins(origins []string) error {
	if len(origins) == 0 {
		return errors.New("allowed origins is empty: use * to allow every origin")
	}
	for _, o := range origins {
		if o == "*" {
			if len(origins) > 1 {
				return errors.New("allowed origins mixes * with named origins")
			}
			continue
		}
		if !isOrigin(o) {
			return fmt.Errorf("allowed origin %q is not of the form https://host[:port], in lower case", o)
		}
	}
	return nil
}

// isOrigin reports whether o can equal a browser's Origin header: a lower-case
// scheme://host[:port] with nothing after it.
func isOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		o == u.Scheme+"://"+u.Host && o == strings.ToLower(o)
}

func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}
