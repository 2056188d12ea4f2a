package e2e

import (
	"encoding/json"
	"slices"
	"testing"
)

// wireError is the {code, message} a refused command acks with.
type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// joinResult is the second ack argument of a successful join.
type joinResult struct {
	Room    string                     `json:"room"`
	ID      string                     `json:"id"`
	Peers   []string                   `json:"peers"`
	Clients map[string]json.RawMessage `json:"clients"`
}

// roomPeer is the payload of peer-joined and peer-left.
type roomPeer struct {
	Room string `json:"room"`
	ID   string `json:"id"`
}

// ackError decodes the first ack argument as an error; it fails the test when
// the ack reported success.
func ackError(t *testing.T, ack report) wireError {
	t.Helper()
	var e *wireError
	ack.arg(t, 0, &e)
	if e == nil {
		t.Fatalf("ack succeeded (%s), want an error", ack.Args)
	}
	if e.Code == "" || e.Message == "" {
		t.Fatalf("ack error %s lacks a code or a message", ack.Args[0])
	}
	return *e
}

// ackOK fails the test unless the ack's first argument is null.
func ackOK(t *testing.T, ack report) {
	t.Helper()
	if len(ack.Args) == 0 || string(ack.Args[0]) != "null" {
		t.Fatalf("ack %s, want (null, …)", ack.Args)
	}
}

func wantCode(t *testing.T, ack report, code string) {
	t.Helper()
	if e := ackError(t, ack); e.Code != code {
		t.Fatalf("ack error %+v, want code %q", e, code)
	}
}

// join joins room with the ack form and returns the result.
func (p *peer) join(t *testing.T, room any) joinResult {
	t.Helper()
	ack := p.call(t, "join", room)
	ackOK(t, ack)
	var j joinResult
	ack.arg(t, 1, &j)
	return j
}

// wantPeerEvent waits for event (peer-joined or peer-left) about who in room.
func (p *peer) wantPeerEvent(t *testing.T, event, room string, who *peer) {
	t.Helper()
	p.waitFor(t, func(r report) bool {
		return r.Type == "event" && r.Event == event && peerEventIs(r, room, who.ID)
	}, event+" "+room+" "+who.name)
}

// peerEvents counts the event (peer-joined or peer-left) received for room.
func (p *peer) peerEvents(event, room string) int {
	n := 0
	for _, r := range p.received(event) {
		var got roomPeer
		if len(r.Args) > 0 && json.Unmarshal(r.Args[0], &got) == nil && got.Room == room {
			n++
		}
	}
	return n
}

func peerEventIs(r report, room, id string) bool {
	var got roomPeer
	return len(r.Args) > 0 && json.Unmarshal(r.Args[0], &got) == nil && got == roomPeer{Room: room, ID: id}
}

// wantNone fails the test if p has received any event of that name. Call it
// after p.barrier(t).
func (p *peer) wantNone(t *testing.T, event string) {
	t.Helper()
	if got := p.received(event); len(got) > 0 {
		t.Fatalf("%s received %d %q events it must not get: %s", p.name, len(got), event, got[0].Args)
	}
}

// payload decodes an event's first argument as an object.
func payload(t *testing.T, r report) map[string]any {
	t.Helper()
	var m map[string]any
	r.arg(t, 0, &m)
	return m
}

func sameIDs(t *testing.T, what string, got []string, want ...*peer) {
	t.Helper()
	ids := make([]string, len(want))
	for i, p := range want {
		ids[i] = p.ID
	}
	slices.Sort(ids)
	got = slices.Clone(got)
	slices.Sort(got)
	if !slices.Equal(got, ids) {
		t.Fatalf("%s = %v, want %v", what, got, ids)
	}
}

func jsonInto(raw json.RawMessage, v any) bool { return json.Unmarshal(raw, v) == nil }
