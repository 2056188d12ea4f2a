package rooms

import (
	"reflect"
	"strings"
	"testing"
)

func TestICEServersSplit(t *testing.T) {
	servers := ICEServers{
		{URLs: []string{"stun:stun.example.com:3478"}},
		{URLs: []string{"turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349", "STUN:turn.example.com"},
			Username: "u", Credential: "secret"},
		{URLs: []string{"stuns:secure.example.com"}},
		{URLs: []string{"http://nope", "TURN:upper.example.com"}, Username: "v", Credential: "w"},
	}
	stun, turn := servers.Split()
	wantSTUN := ICEServers{
		{URLs: []string{"stun:stun.example.com:3478"}},
		{URLs: []string{"STUN:turn.example.com"}}, // STUN takes no credentials
		{URLs: []string{"stuns:secure.example.com"}},
	}
	wantTURN := ICEServers{
		{URLs: []string{"turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"}, Username: "u", Credential: "secret"},
		{URLs: []string{"TURN:upper.example.com"}, Username: "v", Credential: "w"},
	}
	if !reflect.DeepEqual(stun, wantSTUN) {
		t.Errorf("stun = %+v, want %+v", stun, wantSTUN)
	}
	if !reflect.DeepEqual(turn, wantTURN) {
		t.Errorf("turn = %+v, want %+v", turn, wantTURN)
	}
}

func TestICEServersConnectNotices(t *testing.T) {
	none := ICEServers(nil).ConnectNotices("p")
	wantEmits(t, none, []Emit{
		emitTo(EventStunServers, []any{ICEServers{}}, "p"),
		emitTo(EventTurnServers, []any{ICEServers{}}, "p"),
	})
	if got := mustJSON(t, none[0].Args); got != `[[]]` {
		t.Errorf("stunservers args with no servers = %s, want [[]]", got)
	}
	some := ICEServers{{URLs: []string{"stun:s"}}, {URLs: []string{"turn:t"}, Username: "u", Credential: "c"}}.ConnectNotices("p")
	if got, want := mustJSON(t, some[0].Args), `[[{"urls":["stun:s"]}]]`; got != want {
		t.Errorf("stunservers args = %s, want %s", got, want)
	}
	if got, want := mustJSON(t, some[1].Args), `[[{"urls":["turn:t"],"username":"u","credential":"c"}]]`; got != want {
		t.Errorf("turnservers args = %s, want %s", got, want)
	}
}

func TestICEServersValidate(t *testing.T) {
	tests := []struct {
		name    string
		servers ICEServers
		wantErr string // "" means valid
	}{
		{"none", nil, ""},
		{"stun and turn", ICEServers{{URLs: []string{"stun:a", "turns:b:5349"}}}, ""},
		{"no URL", ICEServers{{URLs: []string{"stun:a"}}, {Username: "u"}}, "ICE server 2 has no URL"},
		{"http URL", ICEServers{{URLs: []string{"https://a"}}}, `"https://a"`},
		{"no scheme", ICEServers{{URLs: []string{"stun.example.com"}}}, "stun.example.com"},
		{"scheme only", ICEServers{{URLs: []string{"turn:"}}}, `"turn:"`},
	}
	for _, tt := range tests {
		err := tt.servers.Validate()
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: Validate() = %v, want an error containing %s", tt.name, err, tt.wantErr)
		}
	}
}
