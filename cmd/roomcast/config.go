package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

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
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := lookupEnv(name); ok && !given[f.Name] && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s: %v", name, err)
			}
		}
	})
	if envErr != nil {
		return cfg, envErr
	}
	return cfg, cfg.Validate()
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
	fs.BoolVar(&cfg.DebugEndpoints, "debug-endpoints", cfg.DebugEndpoints, "Serve /debug/pprof and /debug/vars (goroutines, memory). They expose internals: keep them off on public addresses.")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "Log format: text or json.")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "Log level: debug, info, warn or error.")
	return fs
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
