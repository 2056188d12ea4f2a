package transport

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Defaults for Config.
const (
	// DefaultPingInterval and DefaultPingTimeout are socket.io's own, which
	// every official client expects unless told otherwise.
	DefaultPingInterval = 25 * time.Second
	DefaultPingTimeout  = 20 * time.Second
	// DefaultConnectTimeout bounds the time from the handshake to the
	// namespace connect; a client that never connects holds a session for
	// nothing.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultUpgradeTimeout is how long a probed websocket may take to send
	// its upgrade packet, socket.io's value.
	DefaultUpgradeTimeout = 10 * time.Second
	// DefaultMaxPayload is the largest message or polling body accepted,
	// socket.io's 1 MB.
	DefaultMaxPayload = 1_000_000
	// DefaultMaxQueuedBytes caps a connection's outbound queue. A reader
	// that falls this far behind (thousands of signaling messages) is not
	// coming back: it is disconnected rather than allowed to grow memory.
	DefaultMaxQueuedBytes = 1 << 20
	// DefaultWriteTimeout bounds one write to a websocket; a peer that
	// accepts nothing for that long is disconnected.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxAttachments bounds the binary attachments of one packet.
	DefaultMaxAttachments = 10
)

// Config is the transport's settings. Start from DefaultConfig.
type Config struct {
	// PingInterval and PingTimeout drive the heartbeat: version 4 servers
	// ping every PingInterval and wait PingTimeout for the pong; version 3
	// clients ping and the server waits PingInterval + PingTimeout.
	// Default: 25s and 20s.
	PingInterval, PingTimeout time.Duration
	// ConnectTimeout closes a session whose client has not opened the main
	// namespace by then. Default: 5s.
	ConnectTimeout time.Duration
	// UpgradeTimeout cancels a websocket upgrade not completed by then.
	// Default: 10s.
	UpgradeTimeout time.Duration
	// MaxPayload is the largest websocket message or polling body read, in
	// bytes, announced to version 4 clients as maxPayload; larger input
	// closes the session. Default: 1,000,000.
	MaxPayload int64
	// MaxQueuedBytes caps each connection's outbound queue; a connection
	// whose queue would pass it is closed and counted as a slow consumer.
	// Default: 1 MiB.
	MaxQueuedBytes int
	// WriteTimeout bounds each websocket write. Default: 10s.
	WriteTimeout time.Duration
	// MaxAttachments bounds the binary attachments of one packet. Default: 10.
	MaxAttachments int
	// AllowEIO3 accepts Engine.IO 3 (socket.io-client 1.x and 2.x); when
	// false they are refused with "Unsupported protocol version".
	// Default: true.
	AllowEIO3 bool
	// AllowedOrigins are the page origins allowed to connect ("*" for all).
	// Requests without an Origin header are always allowed. CORS answers
	// echo an allowed origin with credentials. Default: ["*"].
	AllowedOrigins []string
	// Admit, when set, is asked about every handshake before any session
	// state exists; an error refuses it with Forbidden (the error is
	// logged). release, which may be nil, is called once when the session
	// ends: limits on concurrent sessions count with it. Default: nil.
	Admit func(r *http.Request) (release func(), err error)
	// Logger receives debug lines about refused requests and malformed
	// packets. Default: slog.Default().
	Logger *slog.Logger
}

// DefaultConfig returns the defaults documented on each field.
func DefaultConfig() Config {
	return Config{
		PingInterval:   DefaultPingInterval,
		PingTimeout:    DefaultPingTimeout,
		ConnectTimeout: DefaultConnectTimeout,
		UpgradeTimeout: DefaultUpgradeTimeout,
		MaxPayload:     DefaultMaxPayload,
		MaxQueuedBytes: DefaultMaxQueuedBytes,
		WriteTimeout:   DefaultWriteTimeout,
		MaxAttachments: DefaultMaxAttachments,
		AllowEIO3:      true,
		AllowedOrigins: []string{"*"},
		Logger:         slog.Default(),
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"ping interval", c.PingInterval}, {"ping timeout", c.PingTimeout},
		{"connect timeout", c.ConnectTimeout}, {"upgrade timeout", c.UpgradeTimeout},
		{"write timeout", c.WriteTimeout},
	} {
		if d.v <= 0 {
			return fmt.Errorf("%s is %v, it must be positive", d.name, d.v)
		}
	}
	if c.MaxPayload < 1024 {
		return fmt.Errorf("max payload is %d bytes, it must be at least 1024", c.MaxPayload)
	}
	if int64(c.MaxQueuedBytes) < c.MaxPayload {
		return fmt.Errorf("max queued bytes (%d) must be at least the max payload (%d)", c.MaxQueuedBytes, c.MaxPayload)
	}
	if c.MaxAttachments < 0 {
		return errors.New("max attachments must not be negative")
	}
	if len(c.AllowedOrigins) == 0 {
		return errors.New("allowed origins is empty: use * to allow every origin")
	}
	if c.Logger == nil {
		return errors.New("logger is nil")
	}
	return nil
}
