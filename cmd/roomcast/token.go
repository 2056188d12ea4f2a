package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/roomcast/roomcast/server"
)

// defaultTokenTTL is how long a token of `roomcast token` opens its room
// unless told: a meeting's length, short enough that a leaked invite link
// stops working the same day.
const defaultTokenTTL = time.Hour

// tokenCommand is `roomcast token`: it prints a room token signed with the
// server's HS256 secret (--room-token-secret, its file, or their ROOMCAST_*
// variables). A page passes it as auth.token, ?token= or join {room, token}.
func tokenCommand(args []string, lookupEnv func(string) (string, bool), stdout io.Writer, now time.Time) error {
	var keys server.RoomTokens
	var room string
	var ttl time.Duration
	var maxPeers int
	fs := newTokenFlagSet(&keys, &room, &ttl, &maxPeers)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	isKeyFlag := func(name string) bool { return name == "room-token-secret" || name == "room-token-secret-file" }
	if err := applyEnv(fs, lookupEnv, isKeyFlag); err != nil {
		return err
	}
	switch {
	case room == "":
		return errors.New("--room is required: the room the token opens")
	case ttl <= 0:
		return fmt.Errorf("--ttl is %v, it must be positive", ttl)
	case maxPeers < 0:
		return fmt.Errorf("--max-peers is %d, it must not be negative (0 for the server's limit)", maxPeers)
	}
	secret, err := keys.SigningSecret()
	if err != nil {
		return err
	}
	if secret == nil {
		return errors.New("no secret: set --room-token-secret, --room-token-secret-file or " + envName("room-token-secret"))
	}
	token, err := server.SignRoomToken(secret, server.RoomGrant{Room: room, Expires: now.Add(ttl), MaxPeers: maxPeers})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

func newTokenFlagSet(keys *server.RoomTokens, room *string, ttl *time.Duration, maxPeers *int) *flag.FlagSet {
	fs := flag.NewFlagSet("roomcast token", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by main, in one line
	fs.StringVar(room, "room", "", "The room the token opens (required).")
	fs.DurationVar(ttl, "ttl", defaultTokenTTL, "How long the token opens the room.")
	fs.IntVar(maxPeers, "max-peers", 0, "The room's capacity, at most the server's --max-peers-per-room; 0 leaves the server's.")
	bindTokenKeyFlags(fs, keys)
	return fs
}

func tokenUsage(w io.Writer) {
	var keys server.RoomTokens
	var room string
	var ttl time.Duration
	var maxPeers int
	fs := newTokenFlagSet(&keys, &room, &ttl, &maxPeers)
	fs.SetOutput(w)
	fmt.Fprintln(w, "Usage: roomcast token --room NAME [--ttl 1h] [--max-peers N]\n\nPrints a room token for a private room, signed with the server's secret (flag, file, or ROOMCAST_ROOM_TOKEN_SECRET / ROOMCAST_ROOM_TOKEN_SECRET_FILE).")
	fs.PrintDefaults()
}
