package rooms

import (
	"slices"
	"strings"
	"testing"
)

func TestIsRelayEvent(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		r := newRegistry(t, nil)
		for _, ev := range DefaultRelayEvents {
			if !r.IsRelayEvent(ev) {
				t.Errorf("IsRelayEvent(%q) = false, want true", ev)
			}
		}
		for _, ev := range []string{"join", "leave", "foo", "", "Offer", "offer ", "peer-joined", "disconnect"} {
			if r.IsRelayEvent(ev) {
				t.Errorf("IsRelayEvent(%q) = true, want false", ev)
			}
		}
	})
	t.Run("custom events replace the defaults", func(t *testing.T) {
		r := newRegistry(t, func(c *Config) { c.RelayEvents = []string{"sdp", "foo"} })
		for _, ev := range []string{"sdp", "foo"} {
			if !r.IsRelayEvent(ev) {
				t.Errorf("IsRelayEvent(%q) = false, want true", ev)
			}
		}
		for _, ev := range []string{"offer", "join"} {
			if r.IsRelayEvent(ev) {
				t.Errorf("IsRelayEvent(%q) = true, want false", ev)
			}
		}
	})
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		name    string
		payload any
		want    Address
		code    string // "" means no error
	}{
		{"string payload", "hello", Address{}, ""},
		{"number payload", 42.0, Address{}, ""},
		{"int payload", 7, Address{}, ""},
		{"bool payload", true, Address{}, ""},
		{"nil payload", nil, Address{}, ""},
		{"array payload", []any{map[string]any{"to": "x"}}, Address{}, ""},
		{"typed map is not an object payload", map[string]string{"to": "x"}, Address{}, ""},
		{"empty object", map[string]any{}, Address{}, ""},
		{"object without address", map[string]any{"sdp": "v=0", "type": "offer"}, Address{}, ""},
		{"to", map[string]any{"to": "x"}, Address{To: "x"}, ""},
		{"to nil", map[string]any{"to": nil}, Address{}, ""},
		{"to number", map[string]any{"to": 5}, Address{}, CodeInvalidPayload},
		{"to float", map[string]any{"to": 5.0}, Address{}, CodeInvalidPayload},
		{"to empty", map[string]any{"to": ""}, Address{}, CodeInvalidPayload},
		{"to array", map[string]any{"to": []any{"x"}}, Address{}, CodeInvalidPayload},
		{"to object", map[string]any{"to": map[string]any{}}, Address{}, CodeInvalidPayload},
		{"room", map[string]any{"room": "r"}, Address{Room: "r"}, ""},
		{"room nil", map[string]any{"room": nil}, Address{}, ""},
		{"room number", map[string]any{"room": 3}, Address{}, CodeInvalidPayload},
		{"room bool", map[string]any{"room": false}, Address{}, CodeInvalidPayload},
		{"room empty", map[string]any{"room": ""}, Address{}, CodeInvalidRoom},
		{"room too long", map[string]any{"room": strings.Repeat("a", 65)}, Address{}, CodeInvalidRoom},
		{"room 64 chars", map[string]any{"room": strings.Repeat("a", 64)}, Address{Room: strings.Repeat("a", 64)}, ""},
		{"room control char", map[string]any{"room": "a\x00"}, Address{}, CodeInvalidRoom},
		{"to and room", map[string]any{"to": "x", "room": "r", "from": "ignored"}, Address{To: "x", Room: "r"}, ""},
		{"valid to, bad room", map[string]any{"to": "x", "room": 1}, Address{}, CodeInvalidPayload},
		{"bad to, valid room", map[string]any{"to": 1, "room": "r"}, Address{}, CodeInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAddress(tt.payload)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("ParseAddress(%#v) error = %v, want nil", tt.payload, err)
				}
			} else {
				wantCode(t, err, tt.code)
			}
			if got != tt.want {
				t.Errorf("ParseAddress(%#v) = %+v, want %+v", tt.payload, got, tt.want)
			}
		})
	}
}

func TestStamp(t *testing.T) {
	t.Run("object gets from", func(t *testing.T) {
		obj := map[string]any{"sdp": "v=0"}
		out := Stamp(obj, "alice")
		m, ok := out.(map[string]any)
		if !ok {
			t.Fatalf("Stamp returned %T, want map[string]any", out)
		}
		if m["from"] != "alice" {
			t.Errorf("from = %#v, want %q", m["from"], "alice")
		}
		if m["sdp"] != "v=0" || len(m) != 2 {
			t.Errorf("Stamp changed other fields: %#v", m)
		}
		if _, isString := m["from"].(string); !isString {
			t.Errorf("from has type %T, want plain string (not PeerID) for JSON", m["from"])
		}
	})
	t.Run("client supplied from is overwritten", func(t *testing.T) {
		for _, spoof := range []any{"evil", 12, nil, map[string]any{"id": "evil"}} {
			obj := map[string]any{"from": spoof, "to": "bob"}
			m := Stamp(obj, "alice").(map[string]any)
			if m["from"] != "alice" {
				t.Errorf("from %#v stamped to %#v, want %q", spoof, m["from"], "alice")
			}
			if m["to"] != "bob" {
				t.Errorf("to changed to %#v", m["to"])
			}
		}
	})
	t.Run("non-object payloads unchanged", func(t *testing.T) {
		if got := Stamp("hello", "alice"); got != "hello" {
			t.Errorf("Stamp(string) = %#v, want %q", got, "hello")
		}
		if got := Stamp(3.5, "alice"); got != 3.5 {
			t.Errorf("Stamp(number) = %#v, want 3.5", got)
		}
		if got := Stamp(nil, "alice"); got != nil {
			t.Errorf("Stamp(nil) = %#v, want nil", got)
		}
		arr := []any{"a", map[string]any{"x": 1}}
		got, ok := Stamp(arr, "alice").([]any)
		if !ok || len(got) != 2 || got[0] != "a" {
			t.Fatalf("Stamp(array) = %#v, want it unchanged", got)
		}
		if inner := got[1].(map[string]any); len(inner) != 1 || inner["from"] != nil {
			t.Errorf("Stamp stamped an object nested in an array: %#v", inner)
		}
	})
}

func wantRoute(t testing.TB, got Route, rooms []string, to PeerID) {
	t.Helper()
	if !slices.Equal(got.Rooms, rooms) || got.To != to {
		t.Errorf("Route = %+v, want {Rooms:%q To:%q}", got, rooms, to)
	}
}

func mustRoute(t testing.TB, r *Registry, from PeerID, addr Address) Route {
	t.Helper()
	route, err := r.Route(from, addr)
	if err != nil {
		t.Fatalf("Route(%q, %+v) = %v", from, addr, err)
	}
	return route
}

func wantRouteError(t testing.TB, r *Registry, from PeerID, addr Address, code string) {
	t.Helper()
	route, err := r.Route(from, addr)
	wantCode(t, err, code)
	if len(route.Rooms) != 0 || route.To != "" {
		t.Errorf("refused Route(%q, %+v) still routes to %+v", from, addr, route)
	}
}

func TestRoute(t *testing.T) {
	// Layout:
	//   A: s, p, q
	//   B: s, p, b
	//   C: c            (s is not in C)
	//   lobby: l1, l2
	//   n: connected, in no room
	setup := func(t *testing.T) *Registry {
		t.Helper()
		r := newRegistry(t, nil)
		mustConnect(t, r, "s", "B")
		mustJoin(t, r, "s", "A")
		mustConnect(t, r, "p", "A")
		mustJoin(t, r, "p", "B")
		mustConnect(t, r, "q", "A")
		mustConnect(t, r, "b", "B")
		mustConnect(t, r, "c", "C")
		mustConnect(t, r, "l1", "")
		mustConnect(t, r, "l2", "")
		mustConnect(t, r, "n", "x")
		mustLeave(t, r, "n", "x")
		return r
	}

	t.Run("sender in no room", func(t *testing.T) {
		r := setup(t)
		wantRouteError(t, r, "n", Address{}, CodeNotInRoom)
		wantRouteError(t, r, "n", Address{To: "s"}, CodeNotInRoom)
	})
	t.Run("unknown sender", func(t *testing.T) {
		r := setup(t)
		wantRouteError(t, r, "ghost", Address{}, CodeNotInRoom)
	})
	t.Run("disconnected sender", func(t *testing.T) {
		r := setup(t)
		r.Disconnect("s")
		wantRouteError(t, r, "s", Address{}, CodeNotInRoom)
	})
	t.Run("all sender rooms sorted", func(t *testing.T) {
		r := setup(t)
		wantRoute(t, mustRoute(t, r, "s", Address{}), []string{"A", "B"}, "")
	})
	t.Run("default room members reach each other", func(t *testing.T) {
		r := setup(t)
		wantRoute(t, mustRoute(t, r, "l1", Address{}), []string{"lobby"}, "")
		wantRoute(t, mustRoute(t, r, "l1", Address{To: "l2"}), nil, "l2")
		wantRouteError(t, r, "l1", Address{To: "s"}, CodeNotInRoom)
	})
	t.Run("room of the sender", func(t *testing.T) {
		r := setup(t)
		wantRoute(t, mustRoute(t, r, "s", Address{Room: "B"}), []string{"B"}, "")
		wantRoute(t, mustRoute(t, r, "s", Address{Room: "A"}), []string{"A"}, "")
	})
	t.Run("room not the sender's", func(t *testing.T) {
		r := setup(t)
		wantRouteError(t, r, "s", Address{Room: "C"}, CodeNotInRoom)
		wantRouteError(t, r, "s", Address{Room: "nowhere"}, CodeNotInRoom)
		wantRouteError(t, r, "s", Address{Room: "lobby"}, CodeNotInRoom)
	})
	t.Run("to a peer sharing a room", func(t *testing.T) {
		r := setup(t)
		wantRoute(t, mustRoute(t, r, "s", Address{To: "q"}), nil, "q")
		wantRoute(t, mustRoute(t, r, "s", Address{To: "b"}), nil, "b")
		wantRoute(t, mustRoute(t, r, "s", Address{To: "p"}), nil, "p")
		wantRoute(t, mustRoute(t, r, "q", Address{To: "s"}), nil, "s")
	})
	t.Run("to a peer in another room only", func(t *testing.T) {
		r := setup(t)
		wantRouteError(t, r, "s", Address{To: "c"}, CodeNotInRoom)
		wantRouteError(t, r, "s", Address{To: "l1"}, CodeNotInRoom)
		wantRouteError(t, r, "q", Address{To: "b"}, CodeNotInRoom)
	})
	t.Run("to a connected peer in no room", func(t *testing.T) {
		r := setup(t)
		wantRouteError(t, r, "s", Address{To: "n"}, CodeNotInRoom)
	})
	t.Run("to an unknown peer", func(t *testing.T) {
		r := setup(t)
		wantRouteError(t, r, "s", Address{To: "ghost"}, CodeNotInRoom)
	})
	t.Run("to a peer that disconnected", func(t *testing.T) {
		r := setup(t)
		r.Disconnect("q")
		wantRouteError(t, r, "s", Address{To: "q"}, CodeNotInRoom)
	})
	t.Run("to a peer that left the shared room", func(t *testing.T) {
		r := setup(t)
		mustLeave(t, r, "q", "A")
		wantRouteError(t, r, "s", Address{To: "q"}, CodeNotInRoom)
	})
	t.Run("to the sender itself", func(t *testing.T) {
		r := setup(t)
		wantRouteError(t, r, "s", Address{To: "s"}, CodeInvalidPayload)
		wantRouteError(t, r, "s", Address{To: "s", Room: "A"}, CodeInvalidPayload)
	})
	t.Run("to and room both match", func(t *testing.T) {
		r := setup(t)
		wantRoute(t, mustRoute(t, r, "s", Address{To: "q", Room: "A"}), nil, "q")
		wantRoute(t, mustRoute(t, r, "s", Address{To: "p", Room: "B"}), nil, "p")
	})
	t.Run("to shares a different room than the addressed one", func(t *testing.T) {
		r := setup(t)
		// q shares A with s but is not in B.
		wantRouteError(t, r, "s", Address{To: "q", Room: "B"}, CodeNotInRoom)
		// b shares B with s but is not in A.
		wantRouteError(t, r, "s", Address{To: "b", Room: "A"}, CodeNotInRoom)
	})
	t.Run("room not the sender's with to", func(t *testing.T) {
		r := setup(t)
		wantRouteError(t, r, "s", Address{To: "c", Room: "C"}, CodeNotInRoom)
	})
	t.Run("route result is not shared state", func(t *testing.T) {
		r := setup(t)
		route := mustRoute(t, r, "s", Address{})
		route.Rooms[0] = "mutated"
		wantRoute(t, mustRoute(t, r, "s", Address{}), []string{"A", "B"}, "")
		wantRooms(t, r, "s", "A", "B")
	})
}

// TestParseStampRoute runs a payload through the full relay pipeline.
func TestParseStampRoute(t *testing.T) {
	r := newRegistry(t, nil)
	mustConnect(t, r, "alice", "call")
	mustConnect(t, r, "bob", "call")
	payload := map[string]any{"to": "bob", "from": "mallory", "sdp": "v=0"}

	addr, err := ParseAddress(payload)
	if err != nil {
		t.Fatalf("ParseAddress = %v", err)
	}
	route := mustRoute(t, r, "alice", addr)
	wantRoute(t, route, nil, "bob")
	stamped := Stamp(payload, "alice").(map[string]any)
	if stamped["from"] != "alice" || stamped["to"] != "bob" || stamped["sdp"] != "v=0" {
		t.Errorf("stamped payload = %#v", stamped)
	}
}
