package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomcast/roomcast/server"
)

const testSecret = "0123456789abcdef0123456789abcdef"

// parseToken verifies an HS256 token with testSecret and returns its claims.
func parseToken(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return []byte(testSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("token %q: %v", token, err)
	}
	return claims
}

func TestTokenCommand(t *testing.T) {
	now := time.Now()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		env      map[string]string
		ttl      time.Duration
		maxPeers any // the claim, nil when absent
	}{
		{"secret flag", []string{"--room", "physics", "--ttl", "1h", "--room-token-secret", testSecret}, nil, time.Hour, nil},
		{"default ttl", []string{"--room", "physics", "--room-token-secret", testSecret}, nil, defaultTokenTTL, nil},
		{"max peers", []string{"--room", "physics", "--ttl", "30m", "--max-peers", "4", "--room-token-secret", testSecret}, nil, 30 * time.Minute, float64(4)},
		{"secret variable", []string{"--room", "physics"}, map[string]string{"ROOMCAST_ROOM_TOKEN_SECRET": testSecret}, time.Hour, nil},
		{"secret file", []string{"--room", "physics", "--room-token-secret-file", secretFile}, nil, time.Hour, nil},
		{"secret file variable", []string{"--room", "physics"}, map[string]string{"ROOMCAST_ROOM_TOKEN_SECRET_FILE": secretFile}, time.Hour, nil},
		{"only the secret variables apply", []string{"--room", "physics", "--room-token-secret", testSecret},
			map[string]string{"ROOMCAST_ROOM": "chemistry", "ROOMCAST_TTL": "1s", "ROOMCAST_MAX_PEERS": "3"}, time.Hour, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := tokenCommand(tc.args, envFrom(t, tc.env), &out, now); err != nil {
				t.Fatalf("tokenCommand = %v", err)
			}
			token, ok := strings.CutSuffix(out.String(), "\n")
			if !ok || strings.Contains(token, "\n") {
				t.Fatalf("printed %q, want one line", out.String())
			}
			claims := parseToken(t, token)
			if claims["room"] != "physics" {
				t.Errorf("room = %v, want physics", claims["room"])
			}
			if exp, _ := claims.GetExpirationTime(); exp == nil || exp.Unix() != now.Add(tc.ttl).Unix() {
				t.Errorf("exp = %v, want %v", exp, now.Add(tc.ttl))
			}
			if claims["max_peers"] != tc.maxPeers {
				t.Errorf("max_peers = %v, want %v", claims["max_peers"], tc.maxPeers)
			}
		})
	}
}

func TestTokenCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"no room", []string{"--room-token-secret", testSecret}, nil, "--room is required"},
		{"no secret", []string{"--room", "physics"}, nil, "no secret"},
		{"short secret", []string{"--room", "physics", "--room-token-secret", "short"}, nil, "at least 32"},
		{"secret and file", []string{"--room", "physics", "--room-token-secret", testSecret, "--room-token-secret-file", "/x"}, nil, "not both"},
		{"missing file", []string{"--room", "physics", "--room-token-secret-file", "/does/not/exist"}, nil, "secret file"},
		{"zero ttl", []string{"--room", "physics", "--ttl", "0s", "--room-token-secret", testSecret}, nil, "--ttl"},
		{"max peers 1", []string{"--room", "physics", "--max-peers", "1", "--room-token-secret", testSecret}, nil, "at least 2"},
		{"invalid room", []string{"--room", "a\nb", "--room-token-secret", testSecret}, nil, "control character"},
		{"extra argument", []string{"--room", "physics", "--room-token-secret", testSecret, "more"}, nil, "more"},
		{"bad variable", []string{"--room", "physics"}, map[string]string{"ROOMCAST_ROOM_TOKEN_SECRET": "short"}, "at least 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := tokenCommand(tc.args, envFrom(t, tc.env), &out, time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("tokenCommand = %v, want an error mentioning %q", err, tc.wantErr)
			}
			if out.Len() > 0 {
				t.Errorf("printed %q with an error", out.String())
			}
		})
	}
	if err := tokenCommand([]string{"-h"}, envFrom(t, nil), &bytes.Buffer{}, time.Now()); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("token -h = %v, want flag.ErrHelp", err)
	}
	var usage bytes.Buffer
	tokenUsage(&usage)
	for _, want := range []string{"roomcast token", "-room", "-ttl", "-max-peers", "-room-token-secret", "-room-token-secret-file"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("token usage lacks %q:\n%s", want, usage.String())
		}
	}
}

func TestParseConfigRoomTokens(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(keyFile, []byte(testSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	got := mustParse(t, []string{"--room-token-secret", testSecret}, nil)
	if want := (server.RoomTokens{Secret: testSecret}); got.RoomTokens != want {
		t.Errorf("RoomTokens = %+v, want %+v", got.RoomTokens, want)
	}
	got = mustParse(t, nil, map[string]string{"ROOMCAST_ROOM_TOKEN_SECRET_FILE": keyFile})
	if want := (server.RoomTokens{SecretFile: keyFile}); got.RoomTokens != want {
		t.Errorf("RoomTokens = %+v, want %+v", got.RoomTokens, want)
	}
	for _, args := range [][]string{
		{"--room-token-secret", "short"},
		{"--room-token-secret", testSecret, "--room-token-secret-file", keyFile},
		{"--room-token-public-key", keyFile}, // not PEM
	} {
		if _, err := parseConfig(args, envFrom(t, nil)); err == nil || !strings.Contains(err.Error(), "room token") {
			t.Errorf("parseConfig(%q) = %v, want a room token error", args, err)
		}
	}
}
