package rooms

import (
	"errors"
	"fmt"
)

// Defaults for Config, chosen for the users roomcast is built for: video calls
// and classrooms of a few dozen peers.
const (
	DefaultDefaultRoom     = "lobby"
	DefaultMaxPeersPerRoom = 50
	DefaultMaxRoomsPerPeer = 8
)

// MinRoomCapacity is the smallest capacity a room may have, from the config
// or a private room's token: a room of one signals nothing.
const MinRoomCapacity = 2

// DefaultCodelabRoomSize is the codelab's room size: its page handles one
// remote peer.
const DefaultCodelabRoomSize = 2

// DefaultRelayEvents are the events classic WebRTC tutorial pages emit.
var DefaultRelayEvents = []string{"offer", "answer", "ice", "candidate", "hangup", EventBye, EventMessage}

// Config holds the signaling rules. The zero value is not usable: start from
// DefaultConfig.
type Config struct {
	// DefaultRoom holds every socket that has not joined a room yet, so pages
	// that never join can still reach each other. Empty disables it.
	// Default: "lobby".
	DefaultRoom string
	// MaxPeersPerRoom caps a room's membership; a join beyond it fails with
	// room-full. A full mesh of n peers costs each browser n-1 connections,
	// so rooms far larger than this are not calls anyway. Default: 50.
	MaxPeersPerRoom int
	// MaxRoomsPerPeer caps how many rooms one socket joins explicitly; beyond
	// it a join fails with too-many-rooms. Default: 8.
	MaxRoomsPerPeer int
	// RelayEvents are the event names relayed to room members. Default:
	// offer, answer, ice, candidate, hangup, bye, message.
	RelayEvents []string
	// CodelabRoomSize is how many peers a codelab "create or join" admits
	// to a room; the next one is told full. The codelab's page calls one
	// remote peer, so a third would break the call. It is capped by
	// MaxPeersPerRoom. Default: 2.
	CodelabRoomSize int
}

// DefaultConfig returns the defaults documented on each field.
func DefaultConfig() Config {
	return Config{
		DefaultRoom:     DefaultDefaultRoom,
		MaxPeersPerRoom: DefaultMaxPeersPerRoom,
		MaxRoomsPerPeer: DefaultMaxRoomsPerPeer,
		RelayEvents:     append([]string(nil), DefaultRelayEvents...),
		CodelabRoomSize: DefaultCodelabRoomSize,
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if c.DefaultRoom != "" {
		if err := ValidateName(c.DefaultRoom); err != nil {
			return fmt.Errorf("default room: %s", err.Message)
		}
	}
	if c.MaxPeersPerRoom < MinRoomCapacity {
		return fmt.Errorf("max peers per room is %d, it must be at least %d", c.MaxPeersPerRoom, MinRoomCapacity)
	}
	if c.CodelabRoomSize < 2 {
		return fmt.Errorf("codelab room size is %d, it must be at least 2", c.CodelabRoomSize)
	}
	if c.MaxRoomsPerPeer < 1 {
		return fmt.Errorf("max rooms per peer is %d, it must be at least 1", c.MaxRoomsPerPeer)
	}
	if len(c.RelayEvents) == 0 {
		return errors.New("relay events is empty: nothing could be signaled")
	}
	for _, ev := range c.RelayEvents {
		if ev == "" {
			return errors.New("relay events contains an empty name")
		}
		if commands[ev] || reservedEvents[ev] {
			return fmt.Errorf("relay events contains %q, which is reserved", ev)
		}
	}
	return nil
}

// codelabRoomSize is CodelabRoomSize capped by a room's capacity (see
// roomCapacity).
func (c Config) codelabRoomSize(maxPeers int) int {
	return min(c.CodelabRoomSize, c.roomCapacity(maxPeers))
}

// roomCapacity is MaxPeersPerRoom, or a room's own maxPeers when that is
// positive and below it: a private room's token may make it smaller, never
// larger.
func (c Config) roomCapacity(maxPeers int) int {
	if maxPeers > 0 {
		return min(maxPeers, c.MaxPeersPerRoom)
	}
	return c.MaxPeersPerRoom
}
