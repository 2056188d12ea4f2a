package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTURNCredentialKnownVector checks the credential against coturn's
// use-auth-secret scheme as computed by another implementation, OpenSSL:
//
//	printf '%s' '1700000000:Xy7_peer-id' | openssl dgst -sha1 -hmac 'north-wind' -binary | base64
//	printf '%s' '1334528592:alice' | openssl dgst -sha1 -hmac 'secret' -binary | base64
func TestTURNCredentialKnownVector(t *testing.T) {
	tests := []struct {
		secret, user string
		expiry       int64
		wantUser     string
		wantPassword string
	}{
		{"north-wind", "Xy7_peer-id", 1700000000, "1700000000:Xy7_peer-id", "203Oth9/wFTi3XEs+j/hoE+3h40="},
		{"secret", "alice", 1334528592, "1334528592:alice", "CoHAHFMI5fKExp3PV6WQcVJUTEg="},
	}
	for _, tt := range tests {
		username, password := turnCredential([]byte(tt.secret), tt.user, time.Unix(tt.expiry, 0))
		if username != tt.wantUser || password != tt.wantPassword {
			t.Errorf("turnCredential(%q, %q, %d) = %q, %q; want %q, %q",
				tt.secret, tt.user, tt.expiry, username, password, tt.wantUser, tt.wantPassword)
		}
	}
}

func TestTURNExpiryRoundsUp(t *testing.T) {
	tests := []struct {
		now  time.Time
		ttl  time.Duration
		want int64
	}{
		{time.Unix(100, 0), time.Hour, 3700},
		{time.Unix(100, 1), time.Hour, 3701}, // never valid for less than the TTL
		{time.Unix(100, 999_999_999), 4 * time.Second, 105},
		{time.Unix(100, 0), 1500 * time.Millisecond, 102},
	}
	for _, tt := range tests {
		if got := turnExpiry(tt.now, tt.ttl); got.Unix() != tt.want || got.Nanosecond() != 0 {
			t.Errorf("turnExpiry(%v, %v) = %v, want %d", tt.now.UnixNano(), tt.ttl, got.UnixNano(), tt.want)
		}
	}
}

// TestTURNRefreshInterval: fresh credentials go out when a quarter of the
// TTL is left.
func TestTURNRefreshInterval(t *testing.T) {
	for ttl, want := range map[time.Duration]time.Duration{
		time.Hour:        45 * time.Minute,
		24 * time.Hour:   18 * time.Hour,
		MinTURNTTL:       3 * time.Second,
		10 * time.Second: 7500 * time.Millisecond,
	} {
		if got := turnRefreshInterval(ttl); got != want {
			t.Errorf("turnRefreshInterval(%v) = %v, want %v", ttl, got, want)
		}
	}
}

func TestTURNValidate(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("  from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(dir, "empty")
	if err := os.WriteFile(emptyFile, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	urls := []string{"turn:turn.example.com:3478", "turns:turn.example.com:5349?transport=tcp"}
	tests := []struct {
		name    string
		turn    TURN
		wantErr string // "" means valid
	}{
		{"off", DefaultTURN(), ""},
		{"secret", TURN{URLs: urls, Secret: "s", TTL: time.Hour}, ""},
		{"secret file", TURN{URLs: urls, SecretFile: secretFile, TTL: time.Hour}, ""},
		{"upper-case scheme", TURN{URLs: []string{"TURN:host"}, Secret: "s", TTL: time.Hour}, ""},
		{"shortest TTL", TURN{URLs: urls, Secret: "s", TTL: MinTURNTTL}, ""},
		{"secret without URLs", TURN{Secret: "s", TTL: time.Hour}, "no TURN URLs"},
		{"secret file without URLs", TURN{SecretFile: secretFile, TTL: time.Hour}, "no TURN URLs"},
		{"URLs without secret", TURN{URLs: urls, TTL: time.Hour}, "secret is empty"},
		{"empty secret file", TURN{URLs: urls, SecretFile: emptyFile, TTL: time.Hour}, "secret is empty"},
		{"missing secret file", TURN{URLs: urls, SecretFile: filepath.Join(dir, "nope"), TTL: time.Hour}, "secret file"},
		{"both secrets", TURN{URLs: urls, Secret: "s", SecretFile: secretFile, TTL: time.Hour}, "give one"},
		{"a stun URL", TURN{URLs: []string{"stun:stun.example.com"}, Secret: "s", TTL: time.Hour}, `"stun:stun.example.com"`},
		{"a URL without host", TURN{URLs: []string{"turn:"}, Secret: "s", TTL: time.Hour}, `"turn:"`},
		{"a bare host", TURN{URLs: []string{"turn.example.com"}, Secret: "s", TTL: time.Hour}, "turn.example.com"},
		{"TTL too short", TURN{URLs: urls, Secret: "s", TTL: MinTURNTTL - time.Millisecond}, "at least 4s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.turn.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestTURNSecretFileIsTrimmed(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("\tnorth-wind \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret, err := TURN{URLs: []string{"turn:t"}, SecretFile: file}.secret()
	if err != nil || string(secret) != "north-wind" {
		t.Fatalf("secret() = %q, %v; want north-wind", secret, err)
	}
}
