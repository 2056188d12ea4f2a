package server

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

func TestFirstString(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"string", "room", "room"},
		{"empty string", "", ""},
		{"empty []string", []string{}, ""},
		{"[]string", []string{"a", "b"}, "a"},
		{"[]any string", []any{"a"}, "a"},
		{"[]any number", []any{3}, ""},
		{"empty []any", []any{}, ""},
		{"nil", nil, ""},
		{"number", 5, ""},
		{"map", map[string]any{"room": "a"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstString(tt.in); got != tt.want {
				t.Errorf("firstString(%#v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// httpContext wraps a GET request carrying origin ("" for none).
func httpContext(t *testing.T, origin string) *types.HttpContext {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling", nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return types.NewHttpContext(httptest.NewRecorder(), req)
}

func TestOriginCheck(t *testing.T) {
	named := []string{"https://a.example", "http://localhost:8080"}
	tests := []struct {
		name    string
		allowed []string
		origin  string
		wantOK  bool
	}{
		{"star, no origin", []string{"*"}, "", true},
		{"star, any origin", []string{"*"}, "https://evil.example", true},
		{"star, null origin", []string{"*"}, "null", true},
		{"named, no origin", named, "", true},
		{"named, first", named, "https://a.example", true},
		{"named, second", named, "http://localhost:8080", true},
		{"named, other host", named, "https://evil.example", false},
		{"named, other scheme", named, "http://a.example", false},
		{"named, other port", named, "http://localhost:8081", false},
		{"named, null origin", named, "null", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := originCheck(tt.allowed)(httpContext(t, tt.origin))
			if tt.wantOK {
				if err != nil {
					t.Errorf("originCheck(%q)(Origin %q) = %v, want nil", tt.allowed, tt.origin, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("originCheck(%q)(Origin %q) = nil, want an error", tt.allowed, tt.origin)
			}
			if !strings.Contains(err.Error(), tt.origin) {
				t.Errorf("error %q does not mention the origin %q", err, tt.origin)
			}
		})
	}
}

func TestCorsFor(t *testing.T) {
	// Every origin is echoed with credentials: browsers refuse the
	// credentialed polls of socket.io-client 2.x against a literal "*".
	star := corsFor([]string{"*"})
	if star.Origin != true {
		t.Errorf(`corsFor([*]).Origin = %#v, want true (echo the origin)`, star.Origin)
	}
	if !star.Credentials {
		t.Error("corsFor([*]).Credentials = false, want true")
	}

	named := corsFor([]string{"https://a.example", "http://localhost:8080"})
	want := []any{"https://a.example", "http://localhost:8080"}
	if !reflect.DeepEqual(named.Origin, want) {
		t.Errorf("corsFor(list).Origin = %#v, want %#v", named.Origin, want)
	}
	if !named.Credentials {
		t.Error("corsFor(list).Credentials = false, want true")
	}
}

func TestAdapterRoom(t *testing.T) {
	tests := []struct{ in, want string }{
		{"x", "room:x"},
		{"lobby", "room:lobby"},
		{"", "room:"},
	}
	for _, tt := range tests {
		if got := string(adapterRoom(tt.in)); got != tt.want {
			t.Errorf("adapterRoom(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRequestedRoom(t *testing.T) {
	tests := []struct {
		name  string
		auth  map[string]any
		query types.ParsedUrlQuery
		want  string
	}{
		{"nothing", nil, nil, ""},
		{"auth room", map[string]any{"room": "a"}, nil, "a"},
		{"query room string", nil, types.ParsedUrlQuery{"room": "q"}, "q"},
		{"query room list", nil, types.ParsedUrlQuery{"room": []string{"q", "r"}}, "q"},
		{"auth wins over query", map[string]any{"room": "a"}, types.ParsedUrlQuery{"room": "q"}, "a"},
		{"empty auth room falls back to query", map[string]any{"room": ""}, types.ParsedUrlQuery{"room": "q"}, "q"},
		{"non-string auth room falls back to query", map[string]any{"room": 3}, types.ParsedUrlQuery{"room": "q"}, "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &socket.Handshake{Auth: tt.auth, Query: tt.query}
			if got := requestedRoom(h); got != tt.want {
				t.Errorf("requestedRoom(auth %v, query %v) = %q, want %q", tt.auth, tt.query, got, tt.want)
			}
		})
	}
}

func TestSplitAck(t *testing.T) {
	t.Run("without ack", func(t *testing.T) {
		in := []any{"x", 2.0}
		args, r := splitAck(in)
		if !reflect.DeepEqual(args, in) {
			t.Errorf("args = %#v, want %#v", args, in)
		}
		if r != nil {
			t.Error("reply is not nil without an ack callback")
		}
	})
	t.Run("no args", func(t *testing.T) {
		args, r := splitAck(nil)
		if len(args) != 0 || r != nil {
			t.Errorf("splitAck(nil) = (%#v, reply set %v), want (empty, nil)", args, r != nil)
		}
	})
	t.Run("with ack", func(t *testing.T) {
		var got [][]any
		var gotErr []error
		var ack socket.Ack = func(res []any, err error) {
			got = append(got, res)
			gotErr = append(gotErr, err)
		}
		args, r := splitAck([]any{"x", ack})
		if !reflect.DeepEqual(args, []any{"x"}) {
			t.Errorf("args = %#v, want [x] without the callback", args)
		}
		if r == nil {
			t.Fatal("reply is nil though the client sent an ack callback")
		}
		r.ok(map[string]any{"k": "v"})
		want := [][]any{{nil, map[string]any{"k": "v"}}}
		if !reflect.DeepEqual(got, want) || gotErr[0] != nil {
			t.Errorf("ack called with %#v (err %v), want %#v", got, gotErr, want)
		}
	})
}
