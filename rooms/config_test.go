package rooms

import (
	"slices"
	"strings"
	"testing"
)

// newRegistry builds a registry from DefaultConfig, changed by mutate when it
// is not nil. The resulting config must pass Validate.
func newRegistry(t testing.TB, mutate func(*Config)) *Registry {
	t.Helper()
	cfg := DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config does not validate: %v", err)
	}
	return NewRegistry(cfg)
}

func TestDefaultConfigValues(t *testing.T) {
	cfg := DefaultConfig()
	if cfg.DefaultRoom != "lobby" {
		t.Errorf("DefaultRoom = %q, want %q", cfg.DefaultRoom, "lobby")
	}
	if cfg.MaxPeersPerRoom != 50 {
		t.Errorf("MaxPeersPerRoom = %d, want 50", cfg.MaxPeersPerRoom)
	}
	if cfg.CodelabRoomSize != 2 || DefaultCodelabRoomSize != 2 {
		t.Errorf("CodelabRoomSize = %d (default %d), want 2", cfg.CodelabRoomSize, DefaultCodelabRoomSize)
	}
	if cfg.MaxRoomsPerPeer != 8 {
		t.Errorf("MaxRoomsPerPeer = %d, want 8", cfg.MaxRoomsPerPeer)
	}
	wantEvents := []string{"offer", "answer", "ice", "candidate", "hangup", "bye", "message"}
	if !slices.Equal(cfg.RelayEvents, wantEvents) {
		t.Errorf("RelayEvents = %q, want %q", cfg.RelayEvents, wantEvents)
	}
	if !slices.Equal(DefaultRelayEvents, wantEvents) {
		t.Errorf("DefaultRelayEvents = %q, want %q", DefaultRelayEvents, wantEvents)
	}
	if DefaultDefaultRoom != "lobby" || DefaultMaxPeersPerRoom != 50 || DefaultMaxRoomsPerPeer != 8 {
		t.Errorf("default constants = %q, %d, %d; want lobby, 50, 8",
			DefaultDefaultRoom, DefaultMaxPeersPerRoom, DefaultMaxRoomsPerPeer)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v, want nil", err)
	}
}

func TestDefaultConfigReturnsCopy(t *testing.T) {
	saved := slices.Clone(DefaultRelayEvents)

	cfg := DefaultConfig()
	cfg.RelayEvents[0] = "mutated"
	cfg.RelayEvents = append(cfg.RelayEvents, "extra")

	if !slices.Equal(DefaultRelayEvents, saved) {
		t.Fatalf("mutating DefaultConfig().RelayEvents changed DefaultRelayEvents to %q", DefaultRelayEvents)
	}
	again := DefaultConfig()
	if !slices.Equal(again.RelayEvents, saved) {
		t.Errorf("a second DefaultConfig() has RelayEvents %q, want %q", again.RelayEvents, saved)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string // substring of the error; "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"empty default room disables it", func(c *Config) { c.DefaultRoom = "" }, ""},
		{"minimum limits", func(c *Config) { c.MaxPeersPerRoom = 2; c.MaxRoomsPerPeer = 1 }, ""},
		{"single relay event", func(c *Config) { c.RelayEvents = []string{"signal"} }, ""},
		{"default room with control char", func(c *Config) { c.DefaultRoom = "lob\nby" }, "default room"},
		{"default room too long", func(c *Config) { c.DefaultRoom = strings.Repeat("a", 65) }, "default room"},
		{"default room invalid utf8", func(c *Config) { c.DefaultRoom = "\xff" }, "default room"},
		{"max peers 1", func(c *Config) { c.MaxPeersPerRoom = 1 }, "max peers per room"},
		{"max peers 0", func(c *Config) { c.MaxPeersPerRoom = 0 }, "max peers per room"},
		{"max peers negative", func(c *Config) { c.MaxPeersPerRoom = -5 }, "max peers per room"},
		{"max rooms 0", func(c *Config) { c.MaxRoomsPerPeer = 0 }, "max rooms per peer"},
		{"max rooms negative", func(c *Config) { c.MaxRoomsPerPeer = -1 }, "max rooms per peer"},
		{"nil relay events", func(c *Config) { c.RelayEvents = nil }, "relay events is empty"},
		{"empty relay events", func(c *Config) { c.RelayEvents = []string{} }, "relay events is empty"},
		{"empty event name", func(c *Config) { c.RelayEvents = []string{"offer", ""} }, "empty name"},
		{"codelab room size 1", func(c *Config) { c.CodelabRoomSize = 1 }, "codelab room size"},
		{"codelab room size 0", func(c *Config) { c.CodelabRoomSize = 0 }, "codelab room size"},
		{"codelab room size above max peers is capped, not refused", func(c *Config) { c.CodelabRoomSize = 100 }, ""},
		{"codelab message and bye stay relayable", func(c *Config) { c.RelayEvents = []string{"message", "bye"} }, ""},
	}
	reserved := []string{
		// commands
		"join", "leave", "create or join", "ipaddr", "create", "shareScreen", "unshareScreen",
		// socket.io's own
		"connect", "connect_error", "disconnect", "disconnecting",
		// sent by the server
		"joined", "peer-joined", "peer-left", "join-error", "user disconnected",
		"created", "full", "ready", "log",
		"remove", "stunservers", "turnservers",
	}
	for _, ev := range reserved {
		tests = append(tests, struct {
			name    string
			mutate  func(*Config)
			wantErr string
		}{
			"reserved " + ev,
			func(c *Config) { c.RelayEvents = append(c.RelayEvents, ev) },
			"reserved",
		})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %q, want it to contain %q", err.Error(), tt.wantErr)
			}
		})
	}
}

func TestRegistryConfig(t *testing.T) {
	r := newRegistry(t, func(c *Config) {
		c.DefaultRoom = "hall"
		c.MaxPeersPerRoom = 3
		c.MaxRoomsPerPeer = 2
		c.RelayEvents = []string{"sdp"}
	})
	got := r.Config()
	if got.DefaultRoom != "hall" || got.MaxPeersPerRoom != 3 || got.MaxRoomsPerPeer != 2 ||
		!slices.Equal(got.RelayEvents, []string{"sdp"}) {
		t.Errorf("Config() = %+v, want the config the registry was built with", got)
	}
}

func TestCodelabRoomSizeIsCappedByMaxPeers(t *testing.T) {
	for _, tc := range []struct{ size, maxPeers, roomCap, want int }{
		{2, 50, 0, 2}, {10, 4, 0, 4}, {4, 4, 0, 4},
		{10, 50, 3, 3}, {2, 50, 3, 2}, {10, 4, 6, 4}, // a room's own capacity lowers it, never raises it
	} {
		c := DefaultConfig()
		c.CodelabRoomSize, c.MaxPeersPerRoom = tc.size, tc.maxPeers
		if got := c.codelabRoomSize(tc.roomCap); got != tc.want {
			t.Errorf("CodelabRoomSize %d, MaxPeersPerRoom %d, room capacity %d: effective size %d, want %d",
				tc.size, tc.maxPeers, tc.roomCap, got, tc.want)
		}
	}
}

func TestIsCommand(t *testing.T) {
	for _, ev := range []string{EventJoin, EventLeave, EventCreateOrJoin, EventIPAddr, EventCreate, EventShareScreen, EventUnshareScreen} {
		if !IsCommand(ev) {
			t.Errorf("IsCommand(%q) = false, want true", ev)
		}
	}
	for _, ev := range []string{"offer", EventMessage, EventBye, EventJoined, "Join", ""} {
		if IsCommand(ev) {
			t.Errorf("IsCommand(%q) = true, want false", ev)
		}
	}
}
