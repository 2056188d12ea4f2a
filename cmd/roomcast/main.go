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
	"time"

	"github.com/roomcast/roomcast/server"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "token" {
		mainToken(os.Args[2:])
		return
	}
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

// mainToken runs `roomcast token`.
func mainToken(args []string) {
	err := tokenCommand(args, os.LookupEnv, os.Stdout, time.Now())
	if errors.Is(err, flag.ErrHelp) {
		tokenUsage(os.Stdout)
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "roomcast token:", err)
		os.Exit(2)
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
	fmt.Fprintln(w, "Usage: roomcast [flags]\n       roomcast token --room NAME [--ttl 1h] [--max-peers N]   (prints a room token: roomcast token -h)\n\nEvery flag can also be set as ROOMCAST_<NAME> (e.g. ROOMCAST_MAX_PEERS_PER_ROOM); a flag wins over its variable.")
	fs.PrintDefaults()
}
