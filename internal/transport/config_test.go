package transport

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string // "" for a valid config
	}{
		{"defaults", func(*Config) {}, ""},
		{"zero ping interval", func(c *Config) { c.PingInterval = 0 }, "ping interval"},
		{"negative ping timeout", func(c *Config) { c.PingTimeout = -time.Second }, "ping timeout"},
		{"zero connect timeout", func(c *Config) { c.ConnectTimeout = 0 }, "connect timeout"},
		{"zero upgrade timeout", func(c *Config) { c.UpgradeTimeout = 0 }, "upgrade timeout"},
		{"zero write timeout", func(c *Config) { c.WriteTimeout = 0 }, "write timeout"},
		{"tiny max payload", func(c *Config) { c.MaxPayload = 1023 }, "max payload"},
		{"queue smaller than a payload", func(c *Config) { c.MaxQueuedBytes = int(c.MaxPayload) - 1 }, "max queued bytes"},
		{"negative attachments", func(c *Config) { c.MaxAttachments = -1 }, "max attachments"},
		{"no origins", func(c *Config) { c.AllowedOrigins = nil }, "allowed origins"},
		{"no logger", func(c *Config) { c.Logger = nil }, "logger"},
		{"smallest limits", func(c *Config) { c.MaxPayload, c.MaxQueuedBytes, c.MaxAttachments = 1024, 1024, 0 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error naming %q", err, tt.wantErr)
			}
			if srv, err := New(cfg, newFixture()); err == nil || srv != nil {
				t.Fatal("New accepted a config Validate refuses")
			}
		})
	}
}
