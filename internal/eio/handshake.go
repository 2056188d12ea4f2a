package eio

import (
	"encoding/json"
	"time"
)

// Handshake is the open packet's data: what a client needs to run the
// session.
type Handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"` // milliseconds
	PingTimeout  int64    `json:"pingTimeout"`  // milliseconds
	// MaxPayload is the largest body the server reads, which version 4
	// clients batch their packets up to; version 3 has no such field.
	MaxPayload int64 `json:"maxPayload,omitempty"`
}

// NewHandshake describes a session of version v.
func NewHandshake(v Version, sid string, upgrades []string, pingInterval, pingTimeout time.Duration, maxPayload int64) Handshake {
	h := Handshake{SID: sid, Upgrades: upgrades, PingInterval: pingInterval.Milliseconds(), PingTimeout: pingTimeout.Milliseconds()}
	if h.Upgrades == nil {
		h.Upgrades = []string{}
	}
	if v == V4 {
		h.MaxPayload = maxPayload
	}
	return h
}

// Encode returns the open packet's data.
func (h Handshake) Encode() []byte {
	b, _ := json.Marshal(h) // a struct of strings and numbers always encodes
	return b
}
