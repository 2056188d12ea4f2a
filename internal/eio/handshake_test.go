package eio

import (
	"testing"
	"time"
)

func TestHandshakeEncode(t *testing.T) {
	tests := []struct {
		name     string
		v        Version
		upgrades []string
		want     string
	}{
		{
			name: "v4 polling", v: V4, upgrades: []string{"websocket"},
			want: `{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
		},
		{
			name: "v4 websocket: no upgrades is an empty list, not null", v: V4,
			want: `{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
		},
		{
			name: "v3 has no maxPayload", v: V3, upgrades: []string{"websocket"},
			want: `{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandshake(tt.v, "abc", tt.upgrades, 25*time.Second, 20*time.Second, 1_000_000)
			if got := string(h.Encode()); got != tt.want {
				t.Fatalf("Encode() = %s\nwant       %s", got, tt.want)
			}
		})
	}
}

func TestHandshakeMilliseconds(t *testing.T) {
	h := NewHandshake(V4, "s", nil, 300*time.Millisecond, 200*time.Millisecond, 1024)
	if h.PingInterval != 300 || h.PingTimeout != 200 || h.MaxPayload != 1024 {
		t.Fatalf("NewHandshake = %+v, want pingInterval 300, pingTimeout 200, maxPayload 1024", h)
	}
}
