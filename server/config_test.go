package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/rooms"
)

func TestDefaultConfigValues(t *testing.T) {
	cfg := DefaultConfig()
	if cfg.Addr != ":3000" {
		t.Errorf("Addr = %q, want %q", cfg.Addr, ":3000")
	}
	if !slices.Equal(cfg.AllowedOrigins, []string{"*"}) {
		t.Errorf("AllowedOrigins = %q, want [*]", cfg.AllowedOrigins)
	}
	if cfg.StaticDir != "" {
		t.Errorf("StaticDir = %q, want empty", cfg.StaticDir)
	}
	if cfg.LogFormat != "text" {
		t.Errorf("LogFormat = %q, want text", cfg.LogFormat)
	}
	if cfg.LogLevel != "info" {
		t.Errorf("LogLevel = %q, want info", cfg.LogLevel)
	}
	durations := []struct {
		name      string
		got, want time.Duration
	}{
		{"ConnectTimeout", cfg.ConnectTimeout, 5 * time.Second},
		{"PingInterval", cfg.PingInterval, 25 * time.Second},
		{"PingTimeout", cfg.PingTimeout, 20 * time.Second},
		{"ShutdownTimeout", cfg.ShutdownTimeout, 10 * time.Second},
		{"ShutdownDelay", cfg.ShutdownDelay, time.Second},
	}
	for _, d := range durations {
		if d.got != d.want {
			t.Errorf("%s = %v, want %v", d.name, d.got, d.want)
		}
	}
	if cfg.MaxMessageBytes != 64<<10 {
		t.Errorf("MaxMessageBytes = %d, want %d", cfg.MaxMessageBytes, 64<<10)
	}
	want := Limits{EventRate: 50, EventBurst: 200, MaxExcess: 10 * time.Second, JoinRate: 2, JoinBurst: 10, MaxConnectionsPerIP: 64}
	if !reflect.DeepEqual(cfg.Limits, want) {
		t.Errorf("Limits = %+v, want %+v", cfg.Limits, want)
	}
	if !cfg.AllowEIO3 {
		t.Error("AllowEIO3 = false, want true")
	}
	if !reflect.DeepEqual(cfg.Rooms, rooms.DefaultConfig()) {
		t.Errorf("Rooms = %+v, want rooms.DefaultConfig() %+v", cfg.Rooms, rooms.DefaultConfig())
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v, want nil", err)
	}
}

func TestDefaultConfigReturnsFreshOrigins(t *testing.T) {
	a := DefaultConfig()
	a.AllowedOrigins[0] = "https://mutated.example"
	if b := DefaultConfig(); !slices.Equal(b.AllowedOrigins, []string{"*"}) {
		t.Errorf("after mutating one DefaultConfig, another has AllowedOrigins %q", b.AllowedOrigins)
	}
}

func TestConfigValidateRejects(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "does-not-exist")

	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr []string // every substring must be in the error
	}{
		{"addr without port", func(c *Config) { c.Addr = "nocolon" }, []string{"addr", "nocolon"}},
		{"addr with a named port", func(c *Config) { c.Addr = "localhost:abc" }, []string{"addr", "localhost:abc"}},
		{"addr port out of range", func(c *Config) { c.Addr = ":65536" }, []string{"addr", ":65536"}},
		{"origin with a path", func(c *Config) { c.AllowedOrigins = []string{"https://a.example/app"} }, []string{"allowed origin", "/app"}},
		{"origin in capitals", func(c *Config) { c.AllowedOrigins = []string{"https://A.example"} }, []string{"allowed origin", "A.example"}},
		{"origin without host", func(c *Config) { c.AllowedOrigins = []string{"https://"} }, []string{"allowed origin"}},
		{"origin with a leading space", func(c *Config) { c.AllowedOrigins = []string{" https://a.example"} }, []string{"allowed origin"}},
		{"no allowed origins", func(c *Config) { c.AllowedOrigins = nil }, []string{"allowed origins"}},
		{"empty allowed origins", func(c *Config) { c.AllowedOrigins = []string{} }, []string{"allowed origins"}},
		{"star mixed with named", func(c *Config) { c.AllowedOrigins = []string{"*", "https://a.example"} }, []string{"allowed origins", "*"}},
		{"named mixed with star", func(c *Config) { c.AllowedOrigins = []string{"https://a.example", "*"} }, []string{"allowed origins", "*"}},
		{"origin without scheme", func(c *Config) { c.AllowedOrigins = []string{"example.com"} }, []string{"allowed origin", "example.com"}},
		{"origin with trailing slash", func(c *Config) { c.AllowedOrigins = []string{"https://a.example/"} }, []string{"allowed origin", "https://a.example/"}},
		{"static dir missing", func(c *Config) { c.StaticDir = missing }, []string{"static dir", missing}},
		{"static dir is a file", func(c *Config) { c.StaticDir = file }, []string{"static dir", file}},
		{"log format xml", func(c *Config) { c.LogFormat = "xml" }, []string{"log format", "xml"}},
		{"log level loud", func(c *Config) { c.LogLevel = "loud" }, []string{"log level", "loud"}},
		{"connect timeout zero", func(c *Config) { c.ConnectTimeout = 0 }, []string{"connect timeout"}},
		{"connect timeout negative", func(c *Config) { c.ConnectTimeout = -time.Second }, []string{"connect timeout"}},
		{"ping interval zero", func(c *Config) { c.PingInterval = 0 }, []string{"ping interval"}},
		{"ping interval negative", func(c *Config) { c.PingInterval = -time.Second }, []string{"ping interval"}},
		{"ping timeout zero", func(c *Config) { c.PingTimeout = 0 }, []string{"ping timeout"}},
		{"ping timeout negative", func(c *Config) { c.PingTimeout = -time.Second }, []string{"ping timeout"}},
		{"shutdown timeout zero", func(c *Config) { c.ShutdownTimeout = 0 }, []string{"shutdown timeout"}},
		{"shutdown timeout negative", func(c *Config) { c.ShutdownTimeout = -time.Second }, []string{"shutdown timeout"}},
		{"shutdown delay negative", func(c *Config) { c.ShutdownDelay = -time.Second }, []string{"shutdown delay"}},
		{"max message bytes 100", func(c *Config) { c.MaxMessageBytes = 100 }, []string{"max message bytes", "100"}},
		{"rooms error propagates", func(c *Config) { c.Rooms.MaxPeersPerRoom = 1 }, []string{"max peers per room"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want an error mentioning %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate() = %q, want it to mention %q", err.Error(), want)
				}
			}
		})
	}
}

func TestConfigValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"defaults", func(*Config) {}},
		{"named origins", func(c *Config) { c.AllowedOrigins = []string{"https://a.example", "http://localhost:8080"} }},
		{"static dir", func(c *Config) { c.StaticDir = t.TempDir() }},
		{"json format", func(c *Config) { c.LogFormat = "json" }},
		{"debug level", func(c *Config) { c.LogLevel = "debug" }},
		{"port zero", func(c *Config) { c.Addr = "127.0.0.1:0" }},
		{"minimum message size", func(c *Config) { c.MaxMessageBytes = 1024 }},
		{"no default room", func(c *Config) { c.Rooms.DefaultRoom = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.mutate(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestParseLogLevel(t *testing.T) {
	tests := []struct {
		in   string
		want slog.Level
	}{
		{"debug", slog.LevelDebug},
		{"info", slog.LevelInfo},
		{"warn", slog.LevelWarn},
		{"error", slog.LevelError},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLogLevel(tt.in)
			if err != nil {
				t.Fatalf("ParseLogLevel(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseLogLevel(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"loud", "", "verbose"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := ParseLogLevel(bad)
			if err == nil {
				t.Fatalf("ParseLogLevel(%q) = nil error, want one", bad)
			}
			if !strings.Contains(err.Error(), "log level") {
				t.Errorf("ParseLogLevel(%q) error = %q, want it to mention log level", bad, err)
			}
		})
	}
}

// newTestLogger builds the logger cfg describes, writing to a buffer.
func newTestLogger(t *testing.T, format, level string) (*slog.Logger, *bytes.Buffer) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.LogFormat, cfg.LogLevel = format, level
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config does not validate: %v", err)
	}
	var buf bytes.Buffer
	return cfg.NewLogger(&buf), &buf
}

func TestNewLoggerJSON(t *testing.T) {
	log, buf := newTestLogger(t, "json", "info")
	log.Info("hello", "peer", "p1")
	line, _, _ := strings.Cut(buf.String(), "\n")
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("log line %q is not JSON: %v", line, err)
	}
	if rec["msg"] != "hello" || rec["level"] != "INFO" || rec["peer"] != "p1" {
		t.Errorf("log record = %v, want msg hello, level INFO, peer p1", rec)
	}
}

func TestNewLoggerText(t *testing.T) {
	log, buf := newTestLogger(t, "text", "info")
	log.Info("hello")
	out := buf.String()
	if !strings.Contains(out, "level=INFO") || !strings.Contains(out, "msg=hello") {
		t.Errorf("text log = %q, want level=INFO and msg=hello", out)
	}
}

func TestNewLoggerLevel(t *testing.T) {
	tests := []struct {
		level     string
		wantDebug bool
	}{
		{"info", false},
		{"debug", true},
	}
	for _, format := range []string{"text", "json"} {
		for _, tt := range tests {
			t.Run(format+"/"+tt.level, func(t *testing.T) {
				log, buf := newTestLogger(t, format, tt.level)
				log.Debug("quiet-message")
				if got := strings.Contains(buf.String(), "quiet-message"); got != tt.wantDebug {
					t.Errorf("at level %s, debug message written = %v, want %v (output %q)", tt.level, got, tt.wantDebug, buf.String())
				}
			})
		}
	}
}
