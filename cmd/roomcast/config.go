package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/roomcast/roomcast/rooms"
	"github.com/roomcast/roomcast/server"
)

// envPrefix names the variables that stand in for flags: --max-peers-per-room
// is ROOMCAST_MAX_PEERS_PER_ROOM.
const envPrefix = "ROOMCAST_"

// parseConfig reads flags, then ROOMCAST_* variables for the flags not given,
// and validates the result.
func parseConfig(args []string, lookupEnv func(string) (string, bool)) (server.Config, error) {
	cfg := server.DefaultConfig()
	fs := newFlagSet(&cfg)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := applyEnv(fs, lookupEnv, func(string) bool { return true }); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// applyEnv sets each flag of fs that the command line did not give, and
// that only accepts, from its ROOMCAST_* variable.
func applyEnv(fs *flag.FlagSet, lookupEnv func(string) (string, bool), only func(flag string) bool) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v, ok := lookupEnv(name); ok && !given[f.Name] && only(f.Name) && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s: %v", name, err)
			}
		}
	})
	return envErr
}

// envName is the variable that stands in for a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// newFlagSet binds every flag to a field of cfg.
func newFlagSet(cfg *server.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("roomcast", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by main, in one line
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "Address to listen on, host:port. Port 0 picks a free port, reported in the \"listening\" log line.")
	fs.Func("allowed-origins", "Comma-separated page origins allowed to connect, e.g. https://example.com, or * for any. (default \"*\")", listSetter(&cfg.AllowedOrigins))
	fs.StringVar(&cfg.Rooms.DefaultRoom, "default-room", cfg.Rooms.DefaultRoom, "Room for sockets that have not joined one, so pages that never join still reach each other. Empty disables it.")
	fs.IntVar(&cfg.Rooms.MaxPeersPerRoom, "max-peers-per-room", cfg.Rooms.MaxPeersPerRoom, "Most sockets one room holds; a join beyond it fails with room-full.")
	fs.IntVar(&cfg.Rooms.MaxRoomsPerPeer, "max-rooms-per-peer", cfg.Rooms.MaxRoomsPerPeer, "Most rooms one socket joins; a join beyond it fails with too-many-rooms.")
	fs.Func("relay-events", "Comma-separated events relayed to the sender's rooms. (default \"offer,answer,ice,candidate,hangup,bye,message\")", listSetter(&cfg.Rooms.RelayEvents))
	fs.StringVar(&cfg.StaticDir, "static-dir", cfg.StaticDir, "Serve this directory at / instead of the embedded page, for people bringing their own page.")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", cfg.ConnectTimeout, "How long a new connection may take to open its socket.io namespace before it is closed (the official client then reconnects).")
	fs.DurationVar(&cfg.PingInterval, "ping-interval", cfg.PingInterval, "How often the server pings socket.io 3+ clients (2.x clients ping at this interval themselves).")
	fs.DurationVar(&cfg.PingTimeout, "ping-timeout", cfg.PingTimeout, "How long a ping may go unanswered before the connection is closed.")
	fs.Int64Var(&cfg.MaxMessageBytes, "max-message-bytes", cfg.MaxMessageBytes, "Largest message or polling body a client may send, announced to socket.io 3+ clients as maxPayload; a larger one closes that client's connection.")
	fs.BoolVar(&cfg.AllowEIO3, "allow-eio3", cfg.AllowEIO3, "Accept socket.io-client 1.x and 2.x (Engine.IO 3); false refuses them with \"Unsupported protocol version\".")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "On SIGINT or SIGTERM, how long open requests get to finish before the process exits.")
	fs.DurationVar(&cfg.ShutdownDelay, "shutdown-delay", cfg.ShutdownDelay, "On SIGINT or SIGTERM, how long readiness answers 503 while peers stay connected, before they are told to reconnect; 0 tells them at once.")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", cfg.ReadHeaderTimeout, "How long a client may take to send a request's headers; slower (slow-loris) connections are closed.")
	l := &cfg.Limits
	fs.Float64Var(&l.EventRate, "event-rate", l.EventRate, "Events per second one connection may send, sustained; beyond it events are refused with rate-limited.")
	fs.IntVar(&l.EventBurst, "event-burst", l.EventBurst, "Events one connection may send at once on top of --event-rate.")
	fs.DurationVar(&l.MaxExcess, "max-excess", l.MaxExcess, "A connection that keeps exceeding --event-rate this long is disconnected.")
	fs.Float64Var(&l.JoinRate, "join-rate", l.JoinRate, "Joins per second one connection may make, sustained.")
	fs.IntVar(&l.JoinBurst, "join-burst", l.JoinBurst, "Joins one connection may make at once on top of --join-rate.")
	fs.IntVar(&l.MaxConnectionsPerIP, "max-connections-per-ip", l.MaxConnectionsPerIP, "Open connections one client address may hold; 0 is unlimited. Behind a proxy, set --trusted-proxies.")
	fs.IntVar(&l.MaxConnections, "max-connections", l.MaxConnections, "Open connections in all; 0 is unlimited.")
	fs.Func("trusted-proxies", "Comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed, e.g. 10.0.0.0/8. (default none)", prefixSetter(&l.TrustedProxies))
	fs.DurationVar(&cfg.Recovery.Window, "recovery-window", cfg.Recovery.Window, "How long a socket.io 4.6+ client whose connection dropped is kept, so that it reconnects with its id, rooms and every event it missed; 0 turns recovery off.")
	fs.IntVar(&cfg.Recovery.PeerBytes, "recovery-peer-bytes", cfg.Recovery.PeerBytes, "Most bytes of events kept for one dropped client; past it the client leaves its rooms at once.")
	fs.Int64Var(&cfg.Recovery.TotalBytes, "recovery-total-bytes", cfg.Recovery.TotalBytes, "Most bytes of events kept for all dropped clients together.")
	fs.StringVar(&cfg.RedisURL, "redis-url", cfg.RedisURL, "Share rooms with the other nodes using this Redis, e.g. redis://127.0.0.1:6379/0; unset, this node holds its rooms alone.")
	fs.Func("ice-servers", "ICE servers handed to pages: comma-separated stun:/turn: URLs, or a JSON array of RTCIceServer objects ({urls, username, credential}). (default none)", iceServersSetter(&cfg.ICEServers))
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "Serve /metrics (Prometheus) on this host:port instead of --addr, or nowhere with \"off\". Empty: on --addr.")
	fs.Func("turn-urls", "Comma-separated turn:/turns: URLs of TURN servers that take coturn's use-auth-secret credentials; each page gets credentials of its own. (default none)", listSetter(&cfg.TURN.URLs))
	fs.StringVar(&cfg.TURN.Secret, "turn-secret", cfg.TURN.Secret, "The TURN servers' shared secret (coturn's static-auth-secret). Prefer --turn-secret-file or ROOMCAST_TURN_SECRET: flags show in the process list.")
	fs.StringVar(&cfg.TURN.SecretFile, "turn-secret-file", cfg.TURN.SecretFile, "File holding the TURN secret (surrounding whitespace ignored), instead of --turn-secret.")
	fs.DurationVar(&cfg.TURN.TTL, "turn-ttl", cfg.TURN.TTL, "How long each TURN credential is valid; pages get fresh ones when a quarter of it is left.")
	fs.StringVar(&cfg.TLS.CertFile, "tls-cert", cfg.TLS.CertFile, "PEM certificate file (with intermediates): serve HTTPS and wss. Needs --tls-key; SIGHUP reloads both.")
	fs.StringVar(&cfg.TLS.KeyFile, "tls-key", cfg.TLS.KeyFile, "PEM private key file of --tls-cert.")
	fs.BoolVar(&cfg.DebugEndpoints, "debug-endpoints", cfg.DebugEndpoints, "Serve /debug/pprof and /debug/vars (goroutines, memory). They expose internals: keep them off on public addresses.")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "Log format: text or json.")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "Log level: debug, info, warn or error.")
	bindTokenKeyFlags(fs, &cfg.RoomTokens)
	fs.StringVar(&cfg.RoomTokens.PublicKeyFile, "room-token-public-key", cfg.RoomTokens.PublicKeyFile, "PEM file of an Ed25519 public key: EdDSA room tokens signed with its private key are accepted (rooms are then private).")
	return fs
}

// bindTokenKeyFlags adds the flags of the HS256 room token secret, which
// the server and `roomcast token` share.
func bindTokenKeyFlags(fs *flag.FlagSet, t *server.RoomTokens) {
	fs.StringVar(&t.Secret, "room-token-secret", t.Secret, fmt.Sprintf("Make rooms private: joining one needs a room token signed (HS256) with this secret, at least %d bytes.", server.MinTokenSecretBytes))
	fs.StringVar(&t.SecretFile, "room-token-secret-file", t.SecretFile, "File holding the --room-token-secret (its trailing newline ignored), which keeps it out of the process list.")
}

// prefixSetter parses a comma-separated list of addresses and CIDR
// prefixes; a bare address is a prefix of its full length.
func prefixSetter(dst *[]netip.Prefix) func(string) error {
	return func(v string) error {
		var prefixes []netip.Prefix
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			if !strings.Contains(item, "/") {
				addr, err := netip.ParseAddr(item)
				if err != nil {
					return fmt.Errorf("%q is not an address or CIDR prefix", item)
				}
				prefixes = append(prefixes, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return fmt.Errorf("%q is not an address or CIDR prefix", item)
			}
			prefixes = append(prefixes, p.Masked())
		}
		*dst = prefixes
		return nil
	}
}

// iceServersSetter parses ICE servers: a JSON array of RTCIceServer
// objects, or comma-separated URLs, one server each.
func iceServersSetter(dst *rooms.ICEServers) func(string) error {
	return func(v string) error {
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, "[") {
			var servers []struct {
				URLs       any    `json:"urls"`
				Username   string `json:"username"`
				Credential string `json:"credential"`
			}
			if err := json.Unmarshal([]byte(v), &servers); err != nil {
				return fmt.Errorf("not a JSON array of ICE servers: %v", err)
			}
			*dst = nil
			for _, s := range servers {
				urls, err := iceURLs(s.URLs)
				if err != nil {
					return err
				}
				*dst = append(*dst, rooms.ICEServer{URLs: urls, Username: s.Username, Credential: s.Credential})
			}
			return nil
		}
		var urls []string
		if err := listSetter(&urls)(v); err != nil {
			return err
		}
		*dst = nil
		for _, u := range urls {
			*dst = append(*dst, rooms.ICEServer{URLs: []string{u}})
		}
		return nil
	}
}

// iceURLs reads an RTCIceServer's urls: a string or an array of them.
func iceURLs(v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		urls := make([]string, 0, len(v))
		for _, u := range v {
			s, ok := u.(string)
			if !ok {
				return nil, errors.New("an ICE server's urls must be strings")
			}
			urls = append(urls, s)
		}
		return urls, nil
	}
	return nil, errors.New("an ICE server needs urls: a string or an array of strings")
}

// listSetter parses a comma-separated flag value into a list of trimmed,
// non-empty items.
func listSetter(dst *[]string) func(string) error {
	return func(v string) error {
		var items []string
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		*dst = items
		return nil
	}
}
