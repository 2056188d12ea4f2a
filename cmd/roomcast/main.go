// Command roomcast is a WebRTC signaling server for socket.io pages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/roomcast/roomcast/server"
)

func main() {
	cfg, err := parseConfig(os.Args[1:], os.LookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		usage(os.Stdout)
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "roomcast:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "roomcast:", err)
		os.Exit(1)
	}
}

func run(cfg server.Config) error {
	log := cfg.NewLogger(os.Stderr)
	srv, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return srv.Run(ctx, ln)
}

func usage(w io.Writer) {
	defaults := server.DefaultConfig()
	fs := newFlagSet(&defaults)
	fs.SetOutput(w)
	fmt.Fprintln(w, "Usage: roomcast [flags]\n\nEvery flag can also be set as ROOMCAST_<NAME> (e.g. ROOMCAST_MAX_PEERS_PER_ROOM); a flag wins over its variable.")
	fs.PrintDefaults()
}
