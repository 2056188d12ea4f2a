package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/server"
)

// envFrom returns a lookupEnv backed by vars.
func envFrom(t *testing.T, vars map[string]string) func(string) (string, bool) {
	t.Helper()
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// mustParse parses args and env and fails the test on error.
func mustParse(t *testing.T, args []string, env map[string]string) server.Config {
	t.Helper()
	cfg, err := parseConfig(args, envFrom(t, env))
	if err != nil {
		t.Fatalf("parseConfig(%q, %v) = %v", args, env, err)
	}
	return cfg
}

// defaultsWith returns server.DefaultConfig changed by mutate.
func defaultsWith(t *testing.T, mutate func(*server.Config)) server.Config {
	t.Helper()
	cfg := server.DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	return cfg
}

func TestParseConfigDefaults(t *testing.T) {
	for _, args := range [][]string{nil, {}, {"--"}} {
		got := mustParse(t, args, nil)
		if want := server.DefaultConfig(); !reflect.DeepEqual(got, want) {
			t.Errorf("parseConfig(%q, no env) = %+v, want DefaultConfig %+v", args, got, want)
		}
	}
}

func TestParseConfigFlags(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "turn-secret")
	if err := os.WriteFile(secretFile, []byte("s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := writeTestCertificate(t, dir)
	tests := []struct {
		name   string
		args   []string
		mutate func(*server.Config)
	}{
		{"addr", []string{"--addr", "127.0.0.1:0"}, func(c *server.Config) { c.Addr = "127.0.0.1:0" }},
		{"addr single dash =", []string{"-addr=:8080"}, func(c *server.Config) { c.Addr = ":8080" }},
		{"allowed origins trimmed", []string{"--allowed-origins", "https://a.example, https://b.example"},
			func(c *server.Config) { c.AllowedOrigins = []string{"https://a.example", "https://b.example"} }},
		{"allowed origins empty items dropped", []string{"--allowed-origins", " https://a.example ,, "},
			func(c *server.Config) { c.AllowedOrigins = []string{"https://a.example"} }},
		{"default room empty", []string{"--default-room", ""}, func(c *server.Config) { c.Rooms.DefaultRoom = "" }},
		{"default room named", []string{"--default-room", "hall"}, func(c *server.Config) { c.Rooms.DefaultRoom = "hall" }},
		{"max peers per room", []string{"--max-peers-per-room", "7"}, func(c *server.Config) { c.Rooms.MaxPeersPerRoom = 7 }},
		{"max rooms per peer", []string{"--max-rooms-per-peer", "3"}, func(c *server.Config) { c.Rooms.MaxRoomsPerPeer = 3 }},
		{"relay events", []string{"--relay-events", "offer,answer"}, func(c *server.Config) { c.Rooms.RelayEvents = []string{"offer", "answer"} }},
		{"static dir", []string{"--static-dir", dir}, func(c *server.Config) { c.StaticDir = dir }},
		{"log format", []string{"--log-format", "json"}, func(c *server.Config) { c.LogFormat = "json" }},
		{"log level", []string{"--log-level", "debug"}, func(c *server.Config) { c.LogLevel = "debug" }},
		{"ping interval", []string{"--ping-interval", "10s"}, func(c *server.Config) { c.PingInterval = 10 * time.Second }},
		{"ping timeout", []string{"--ping-timeout", "5s"}, func(c *server.Config) { c.PingTimeout = 5 * time.Second }},
		{"shutdown delay off", []string{"--shutdown-delay", "0"}, func(c *server.Config) { c.ShutdownDelay = 0 }},
		{"max message bytes", []string{"--max-message-bytes", "65536"}, func(c *server.Config) { c.MaxMessageBytes = 65536 }},
		{"allow eio3 off", []string{"--allow-eio3=false"}, func(c *server.Config) { c.AllowEIO3 = false }},
		{"turn", []string{"--turn-urls", "turn:t.example:3478, turns:t.example:5349", "--turn-secret", "s", "--turn-ttl", "30m"},
			func(c *server.Config) {
				c.TURN.URLs = []string{"turn:t.example:3478", "turns:t.example:5349"}
				c.TURN.Secret, c.TURN.TTL = "s", 30*time.Minute
			}},
		{"turn secret file", []string{"--turn-urls", "turn:t.example", "--turn-secret-file", secretFile},
			func(c *server.Config) { c.TURN.URLs, c.TURN.SecretFile = []string{"turn:t.example"}, secretFile }},
		{"tls", []string{"--tls-cert", certFile, "--tls-key", keyFile},
			func(c *server.Config) { c.TLS.CertFile, c.TLS.KeyFile = certFile, keyFile }},
		{"all together", []string{
			"--addr", "127.0.0.1:0",
			"--allowed-origins", "https://a.example, https://b.example",
			"--default-room", "",
			"--max-peers-per-room", "7",
			"--max-rooms-per-peer", "3",
			"--relay-events", "offer,answer",
			"--static-dir", dir,
			"--log-format", "json",
			"--log-level", "debug",
		}, func(c *server.Config) {
			c.Addr = "127.0.0.1:0"
			c.AllowedOrigins = []string{"https://a.example", "https://b.example"}
			c.Rooms.DefaultRoom = ""
			c.Rooms.MaxPeersPerRoom = 7
			c.Rooms.MaxRoomsPerPeer = 3
			c.Rooms.RelayEvents = []string{"offer", "answer"}
			c.StaticDir = dir
			c.LogFormat = "json"
			c.LogLevel = "debug"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.args, nil)
			if want := defaultsWith(t, tt.mutate); !reflect.DeepEqual(got, want) {
				t.Errorf("parseConfig(%q) =\n%+v\nwant\n%+v", tt.args, got, want)
			}
		})
	}
}

func TestParseConfigEnv(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		mutate func(*server.Config)
	}{
		{"addr", nil, map[string]string{"ROOMCAST_ADDR": "127.0.0.1:9000"},
			func(c *server.Config) { c.Addr = "127.0.0.1:9000" }},
		{"max peers per room", nil, map[string]string{"ROOMCAST_MAX_PEERS_PER_ROOM": "12"},
			func(c *server.Config) { c.Rooms.MaxPeersPerRoom = 12 }},
		{"ping interval", nil, map[string]string{"ROOMCAST_PING_INTERVAL": "1m"},
			func(c *server.Config) { c.PingInterval = time.Minute }},
		{"allow eio3", nil, map[string]string{"ROOMCAST_ALLOW_EIO3": "false"},
			func(c *server.Config) { c.AllowEIO3 = false }},
		{"max message bytes", nil, map[string]string{"ROOMCAST_MAX_MESSAGE_BYTES": "2048"},
			func(c *server.Config) { c.MaxMessageBytes = 2048 }},
		{"relay events", nil, map[string]string{"ROOMCAST_RELAY_EVENTS": " offer , signal "},
			func(c *server.Config) { c.Rooms.RelayEvents = []string{"offer", "signal"} }},
		{"set but empty default room disables it", nil, map[string]string{"ROOMCAST_DEFAULT_ROOM": ""},
			func(c *server.Config) { c.Rooms.DefaultRoom = "" }},
		{"allowed origins", nil, map[string]string{"ROOMCAST_ALLOWED_ORIGINS": "https://a.example,http://localhost:8080"},
			func(c *server.Config) { c.AllowedOrigins = []string{"https://a.example", "http://localhost:8080"} }},
		{"turn secret", []string{"--turn-urls", "turn:t.example"}, map[string]string{"ROOMCAST_TURN_SECRET": "s"},
			func(c *server.Config) { c.TURN.URLs, c.TURN.Secret = []string{"turn:t.example"}, "s" }},
		{"several", nil, map[string]string{
			"ROOMCAST_ADDR":               ":4000",
			"ROOMCAST_MAX_ROOMS_PER_PEER": "2",
			"ROOMCAST_LOG_FORMAT":         "json",
			"ROOMCAST_LOG_LEVEL":          "warn",
		}, func(c *server.Config) {
			c.Addr = ":4000"
			c.Rooms.MaxRoomsPerPeer = 2
			c.LogFormat = "json"
			c.LogLevel = "warn"
		}},
		{"unrelated variables ignored", nil, map[string]string{"ADDR": "nocolon", "ROOMCAST_NOPE": "x", "roomcast_addr": "nocolon"},
			nil},
		{"flag wins over its variable", []string{"--addr", "127.0.0.1:1"}, map[string]string{"ROOMCAST_ADDR": "127.0.0.1:2"},
			func(c *server.Config) { c.Addr = "127.0.0.1:1" }},
		{"flag set to the default still wins", []string{"--default-room", "lobby"}, map[string]string{"ROOMCAST_DEFAULT_ROOM": ""},
			nil},
		{"flag wins, other variables still apply", []string{"--max-peers-per-room", "5"},
			map[string]string{"ROOMCAST_MAX_PEERS_PER_ROOM": "abc", "ROOMCAST_ADDR": ":4000"},
			func(c *server.Config) { c.Rooms.MaxPeersPerRoom = 5; c.Addr = ":4000" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.args, tt.env)
			if want := defaultsWith(t, tt.mutate); !reflect.DeepEqual(got, want) {
				t.Errorf("parseConfig(%q, %v) =\n%+v\nwant\n%+v", tt.args, tt.env, got, want)
			}
		})
	}
}

func TestParseConfigLooksUpEveryFlagVariable(t *testing.T) {
	var looked []string
	lookup := func(name string) (string, bool) {
		looked = append(looked, name)
		return "", false
	}
	if _, err := parseConfig(nil, lookup); err != nil {
		t.Fatalf("parseConfig = %v", err)
	}
	slices.Sort(looked)
	var want []string
	cfg := server.DefaultConfig()
	newFlagSet(&cfg).VisitAll(func(f *flag.Flag) {
		want = append(want, envPrefix+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")))
	})
	slices.Sort(want)
	if !slices.Equal(looked, want) {
		t.Errorf("variables looked up = %q, want %q", looked, want)
	}
}

// TestEveryFlagIsDocumented: the README's configuration table lists every
// flag, so operators never have to read the code to find one.
func TestEveryFlagIsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	newFlagSet(&cfg).VisitAll(func(f *flag.Flag) {
		if !bytes.Contains(readme, []byte("| `--"+f.Name+"` |")) {
			t.Errorf("README.md has no configuration table row for --%s", f.Name)
		}
	})
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // substring of the error
	}{
		{"invalid env int", nil, map[string]string{"ROOMCAST_MAX_PEERS_PER_ROOM": "abc"}, "ROOMCAST_MAX_PEERS_PER_ROOM"},
		{"invalid env config", nil, map[string]string{"ROOMCAST_LOG_FORMAT": "xml"}, "log format"},
		{"empty env origins", nil, map[string]string{"ROOMCAST_ALLOWED_ORIGINS": " , "}, "allowed origins"},
		{"invalid flag int", []string{"--max-rooms-per-peer", "many"}, nil, "max-rooms-per-peer"},
		{"invalid config from flag", []string{"--max-peers-per-room", "1"}, nil, "max peers per room"},
		{"invalid addr", []string{"--addr", "nocolon"}, nil, "nocolon"},
		{"invalid origin", []string{"--allowed-origins", "example.com"}, nil, "example.com"},
		{"missing static dir", []string{"--static-dir", "/does/not/exist/roomcast"}, nil, "static dir"},
		{"turn secret without urls", []string{"--turn-secret", "s"}, nil, "no TURN URLs"},
		{"turn urls without secret", []string{"--turn-urls", "turn:t.example"}, nil, "TURN secret is empty"},
		{"stun url as turn url", []string{"--turn-urls", "stun:t.example", "--turn-secret", "s"}, nil, "stun:t.example"},
		{"turn ttl too short", []string{"--turn-urls", "turn:t.example", "--turn-secret", "s", "--turn-ttl", "1s"}, nil, "TURN TTL"},
		{"missing turn secret file", []string{"--turn-urls", "turn:t.example", "--turn-secret-file", "/does/not/exist/roomcast"}, nil, "TURN secret file"},
		{"tls cert without key", []string{"--tls-cert", "/does/not/exist/cert.pem"}, nil, "key file"},
		{"unreadable tls files", []string{"--tls-cert", "/does/not/exist/cert.pem", "--tls-key", "/does/not/exist/key.pem"}, nil, "TLS certificate"},
		{"unknown flag", []string{"--nope"}, nil, "nope"},
		{"flag without value", []string{"--addr"}, nil, "addr"},
		{"extra positional argument", []string{"serve"}, nil, "serve"},
		{"positional after flags", []string{"--addr", ":1", "extra"}, nil, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, envFrom(t, tt.env))
			if err == nil {
				t.Fatalf("parseConfig(%q, %v) = nil error, want one mentioning %q", tt.args, tt.env, tt.wantErr)
			}
			if errors.Is(err, flag.ErrHelp) {
				t.Fatalf("parseConfig(%q, %v) = ErrHelp, want a real error", tt.args, tt.env)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseConfig(%q, %v) = %q, want it to mention %q", tt.args, tt.env, err, tt.wantErr)
			}
		})
	}
}

func TestParseConfigHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		_, err := parseConfig([]string{arg}, envFrom(t, nil))
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("parseConfig(%q) = %v, want flag.ErrHelp", arg, err)
		}
	}
}

func TestUsageListsEveryFlag(t *testing.T) {
	var buf bytes.Buffer
	usage(&buf)
	out := buf.String()
	for _, want := range []string{
		"Usage: roomcast", "ROOMCAST_",
		"-addr", "-allowed-origins", "-default-room", "-max-peers-per-room",
		"-max-rooms-per-peer", "-relay-events", "-static-dir", "-log-format", "-log-level",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("usage does not mention %q:\n%s", want, out)
		}
	}
}

// The help text must show the defaults parseConfig really starts from
// (server.DefaultConfig), as it already does for the list flags.
func TestUsageShowsDefaults(t *testing.T) {
	var buf bytes.Buffer
	usage(&buf)
	out := buf.String()
	var missing []string
	for _, want := range []string{
		`(default ":3000")`,
		`(default "lobby")`,
		`(default 50)`,
		`(default 8)`,
		`(default "text")`,
		`(default "info")`,
		`(default "*")`,
		`(default "offer,answer,ice,candidate,hangup,bye,message")`,
	} {
		if !strings.Contains(out, want) {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		t.Errorf("usage does not show %s; it printed:\n%s", strings.Join(missing, ", "), out)
	}
}

// writeTestCertificate writes a self-signed certificate and its key into
// dir, as PEM files.
func writeTestCertificate(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "roomcast test"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for file, block := range map[string]*pem.Block{
		certFile: {Type: "CERTIFICATE", Bytes: der},
		keyFile:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}
