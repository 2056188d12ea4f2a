package rooms

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// rawSetup is a registry with raw peers a, b, c in room "call", d in room
// "other", and a socket.io peer s in a socket.io room "call".
func rawSetup(t *testing.T) (*Registry, map[string]*RawConn) {
	t.Helper()
	r := newRegistry(t, nil)
	conns := map[string]*RawConn{}
	for _, p := range []struct{ id, room string }{{"a", "call"}, {"b", "call"}, {"c", "call"}, {"d", "other"}} {
		mustConnectIn(t, r, PeerID(p.id), SpaceRaw, p.room)
		conns[p.id] = r.NewRawConn(PeerID(p.id))
	}
	mustConnect(t, r, "s", "call")
	return r, conns
}

// wantFrame is one frame a step must produce: data exactly, or, when code
// is set, an error frame of that code in dialect ("inst", "login" or "" for
// both shapes).
type wantFrame struct {
	to      PeerID
	data    string
	code    string
	dialect string
}

func deliver(to PeerID, data string) wantFrame { return wantFrame{to: to, data: data} }

func instErrFrame(to PeerID, code string) wantFrame {
	return wantFrame{to: to, code: code, dialect: "inst"}
}

func loginErrFrame(to PeerID, code string) wantFrame {
	return wantFrame{to: to, code: code, dialect: "login"}
}

func anyDialectError(to PeerID, code string) wantFrame { return wantFrame{to: to, code: code} }

func loginRefused(to PeerID, code string) wantFrame {
	return wantFrame{to: to, code: code, dialect: "login refused"}
}

type rawStep struct {
	conn  string // the connection sending, or "close:<conn>"
	frame string
	want  []wantFrame
}

func runRawSteps(t *testing.T, conns map[string]*RawConn, steps []rawStep) {
	t.Helper()
	for i, step := range steps {
		var got []RawFrame
		if name, closing := strings.CutPrefix(step.conn, "close:"); closing {
			got = conns[name].Close()
		} else {
			got = conns[step.conn].Handle([]byte(step.frame))
		}
		if len(got) != len(step.want) {
			t.Fatalf("step %d (%s %s): got %d frames %s, want %d", i, step.conn, step.frame, len(got), formatFrames(got), len(step.want))
		}
		for j, want := range step.want {
			checkFrame(t, fmt.Sprintf("step %d (%s %.60s)", i, step.conn, step.frame), got[j], want)
		}
	}
}

func formatFrames(frames []RawFrame) string {
	var parts []string
	for _, f := range frames {
		parts = append(parts, fmt.Sprintf("%s<-%s", f.To, f.Data))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func checkFrame(t *testing.T, step string, got RawFrame, want wantFrame) {
	t.Helper()
	if got.To != want.to {
		t.Errorf("%s: frame %s goes to %q, want %q", step, got.Data, got.To, want.to)
	}
	if !json.Valid(got.Data) {
		t.Errorf("%s: frame %q is not valid JSON", step, got.Data)
	}
	if want.code == "" {
		if string(got.Data) != want.data {
			t.Errorf("%s: frame %s, want %s", step, got.Data, want.data)
		}
		return
	}
	var frame map[string]any
	if err := json.Unmarshal(got.Data, &frame); err != nil {
		t.Fatalf("%s: error frame %s: %v", step, got.Data, err)
	}
	shape := map[string]map[string]any{
		"inst":          {"inst": "error"},
		"login":         {"type": "error"},
		"":              {"type": "error", "inst": "error"},
		"login refused": {"type": "login", "success": false},
	}[want.dialect]
	for k, v := range shape {
		if frame[k] != v {
			t.Errorf("%s: frame %s has %s = %v, want %v", step, got.Data, k, frame[k], v)
		}
	}
	if len(frame) != len(shape)+2 {
		t.Errorf("%s: frame %s has other members than %v, code and message", step, got.Data, shape)
	}
	if frame["code"] != want.code {
		t.Errorf("%s: frame %s has code %v, want %s", step, got.Data, frame["code"], want.code)
	}
	if msg, _ := frame["message"].(string); msg == "" {
		t.Errorf("%s: frame %s has no message", step, got.Data)
	}
}

func TestRawConn(t *testing.T) {
	long := strings.Repeat("n", 10_000)
	initA := rawStep{"a", `{"inst":"init","id":"alice"}`, nil}
	initB := rawStep{"b", `{"inst":"init","id":"bob"}`, nil}
	loginA := rawStep{"a", `{"type":"login","name":"alice"}`, []wantFrame{deliver("a", `{"type":"login","success":true}`)}}
	loginB := rawStep{"b", `{"type":"login","name":"bob"}`, []wantFrame{deliver("b", `{"type":"login","success":true}`)}}
	tests := []struct {
		name  string
		steps []rawStep
	}{
		// The inst dialect.
		{"init, then send delivers the bare message", []rawStep{initA, initB,
			{"b", `{"inst":"send","peerId":"alice","message":{"sdp": "v=0", "n": [1, 2]}}`, []wantFrame{deliver("a", `{"sdp": "v=0", "n": [1, 2]}`)}},
			{"a", `{"inst":"send","peerId":"bob","message":"hi"}`, []wantFrame{deliver("b", `"hi"`)}},
			{"a", `{"message":null,"peerId":"bob","inst":"send"}`, []wantFrame{deliver("b", `null`)}},
		}},
		{"init of a taken id", []rawStep{initA, {"b", `{"inst":"init","id":"alice"}`, []wantFrame{instErrFrame("b", CodeNameTaken)}}}},
		{"init again with one's own id", []rawStep{initA, initA}},
		{"init with an empty id", []rawStep{{"a", `{"inst":"init","id":""}`, []wantFrame{instErrFrame("a", CodeInvalidName)}}}},
		{"init with a 10 KB id", []rawStep{{"a", `{"inst":"init","id":"` + long + `"}`, []wantFrame{instErrFrame("a", CodeInvalidName)}}}},
		{"init with a control character", []rawStep{{"a", `{"inst":"init","id":"a\u0007"}`, []wantFrame{instErrFrame("a", CodeInvalidName)}}}},
		{"init without id", []rawStep{{"a", `{"inst":"init"}`, []wantFrame{instErrFrame("a", CodeInvalidPayload)}}}},
		{"init with a numeric id", []rawStep{{"a", `{"inst":"init","id":7}`, []wantFrame{instErrFrame("a", CodeInvalidPayload)}}}},
		{"send before init", []rawStep{initB, {"a", `{"inst":"send","peerId":"bob","message":1}`, []wantFrame{instErrFrame("a", CodeNotLoggedIn)}}}},
		{"send to an unknown id", []rawStep{initA, {"a", `{"inst":"send","peerId":"zed","message":1}`, []wantFrame{instErrFrame("a", CodeUnknownPeer)}}}},
		{"send to oneself", []rawStep{initA, {"a", `{"inst":"send","peerId":"alice","message":1}`, []wantFrame{instErrFrame("a", CodeInvalidPayload)}}}},
		{"send to an id of another room", []rawStep{initA, {"d", `{"inst":"init","id":"dave"}`, nil},
			{"a", `{"inst":"send","peerId":"dave","message":1}`, []wantFrame{instErrFrame("a", CodeUnknownPeer)}}}},
		{"send without message", []rawStep{initA, initB, {"a", `{"inst":"send","peerId":"bob"}`, []wantFrame{instErrFrame("a", CodeInvalidPayload)}}}},
		{"send without peerId", []rawStep{initA, {"a", `{"inst":"send","message":1}`, []wantFrame{instErrFrame("a", CodeInvalidPayload)}}}},
		{"send with an object peerId", []rawStep{initA, {"a", `{"inst":"send","peerId":{},"message":1}`, []wantFrame{instErrFrame("a", CodeInvalidPayload)}}}},
		{"unknown inst", []rawStep{{"a", `{"inst":"call"}`, []wantFrame{instErrFrame("a", CodeUnknownEvent)}}}},
		{"numeric inst", []rawStep{{"a", `{"inst":1}`, []wantFrame{instErrFrame("a", CodeInvalidPayload)}}}},

		// The login dialect.
		{"login of a taken name", []rawStep{loginA, {"b", `{"type":"login","name":"alice"}`, []wantFrame{loginRefused("b", CodeNameTaken)}}}},
		{"login of a 10 KB name", []rawStep{{"a", `{"type":"login","name":"` + long + `"}`, []wantFrame{loginRefused("a", CodeInvalidName)}}}},
		{"login without name", []rawStep{{"a", `{"type":"login"}`, []wantFrame{loginRefused("a", CodeInvalidPayload)}}}},
		{"login with a numeric name", []rawStep{{"a", `{"type":"login","name":1}`, []wantFrame{loginRefused("a", CodeInvalidPayload)}}}},
		{"offer, answer, candidate, leave", []rawStep{loginA, loginB,
			{"a", `{"type":"offer","name":"bob","offer":{"type":"offer","sdp":"v=0"}}`, []wantFrame{deliver("b", `{"type":"offer","offer":{"type":"offer","sdp":"v=0"},"name":"alice"}`)}},
			{"b", `{"type":"answer","name":"alice","answer":{"type":"answer","sdp":"v=0"}}`, []wantFrame{deliver("a", `{"type":"answer","answer":{"type":"answer","sdp":"v=0"}}`)}},
			{"a", `{"type":"candidate","name":"bob","candidate":{"candidate":"c","sdpMid":"0"}}`, []wantFrame{deliver("b", `{"type":"candidate","candidate":{"candidate":"c","sdpMid":"0"}}`)}},
			{"b", `{"type":"leave","name":"alice"}`, []wantFrame{deliver("a", `{"type":"leave"}`)}},
		}},
		{"a sender name with quotes is escaped", []rawStep{
			{"a", `{"type":"login","name":"al\"ice"}`, []wantFrame{deliver("a", `{"type":"login","success":true}`)}}, loginB,
			{"a", `{"type":"offer","name":"bob","offer":1}`, []wantFrame{deliver("b", `{"type":"offer","offer":1,"name":"al\"ice"}`)}},
		}},
		{"offer before login", []rawStep{loginB, {"a", `{"type":"offer","name":"bob","offer":{}}`, []wantFrame{loginErrFrame("a", CodeNotLoggedIn)}}}},
		{"offer to an unknown name", []rawStep{loginA, {"a", `{"type":"offer","name":"zed","offer":{}}`, []wantFrame{loginErrFrame("a", CodeUnknownPeer)}}}},
		{"offer to oneself", []rawStep{loginA, {"a", `{"type":"offer","name":"alice","offer":{}}`, []wantFrame{loginErrFrame("a", CodeInvalidPayload)}}}},
		{"offer to a name of another room", []rawStep{loginA,
			{"d", `{"type":"login","name":"dave"}`, []wantFrame{deliver("d", `{"type":"login","success":true}`)}},
			{"a", `{"type":"offer","name":"dave","offer":{}}`, []wantFrame{loginErrFrame("a", CodeUnknownPeer)}}}},
		{"offer without offer", []rawStep{loginA, loginB, {"a", `{"type":"offer","name":"bob"}`, []wantFrame{loginErrFrame("a", CodeInvalidPayload)}}}},
		{"answer without answer", []rawStep{loginA, loginB, {"a", `{"type":"answer","name":"bob"}`, []wantFrame{loginErrFrame("a", CodeInvalidPayload)}}}},
		{"candidate without candidate", []rawStep{loginA, loginB, {"a", `{"type":"candidate","name":"bob"}`, []wantFrame{loginErrFrame("a", CodeInvalidPayload)}}}},
		{"offer without name", []rawStep{loginA, {"a", `{"type":"offer","offer":{}}`, []wantFrame{loginErrFrame("a", CodeInvalidPayload)}}}},
		{"leave without name", []rawStep{loginA, {"a", `{"type":"leave"}`, []wantFrame{loginErrFrame("a", CodeInvalidPayload)}}}},
		{"leave to an unknown name", []rawStep{loginA, {"a", `{"type":"leave","name":"zed"}`, []wantFrame{loginErrFrame("a", CodeUnknownPeer)}}}},
		{"unknown type", []rawStep{{"a", `{"type":"dance"}`, []wantFrame{loginErrFrame("a", CodeUnknownEvent)}}}},
		{"numeric type", []rawStep{{"a", `{"type":[]}`, []wantFrame{loginErrFrame("a", CodeInvalidPayload)}}}},

		// Frames of no dialect.
		{"not JSON", []rawStep{{"a", `hello`, []wantFrame{anyDialectError("a", CodeInvalidPayload)}}}},
		{"truncated JSON", []rawStep{{"a", `{"type":"login",`, []wantFrame{anyDialectError("a", CodeInvalidPayload)}}}},
		{"empty frame", []rawStep{{"a", ``, []wantFrame{anyDialectError("a", CodeInvalidPayload)}}}},
		{"an array", []rawStep{{"a", `[{"type":"login","name":"x"}]`, []wantFrame{anyDialectError("a", CodeInvalidPayload)}}}},
		{"a number", []rawStep{{"a", `42`, []wantFrame{anyDialectError("a", CodeInvalidPayload)}}}},
		{"neither member", []rawStep{{"a", `{"name":"alice"}`, []wantFrame{anyDialectError("a", CodeInvalidPayload)}}}},
		{"keys are case-sensitive", []rawStep{{"a", `{"Type":"login","name":"alice"}`, []wantFrame{anyDialectError("a", CodeInvalidPayload)}}}},
		{"both members", []rawStep{{"a", `{"inst":"init","type":"login","id":"x","name":"x"}`, []wantFrame{anyDialectError("a", CodeInvalidPayload)}}}},
		{"after a login frame, errors speak login", []rawStep{loginA, {"a", `nope`, []wantFrame{loginErrFrame("a", CodeInvalidPayload)}}}},
		{"after an inst frame, errors speak inst", []rawStep{initA, {"a", `[]`, []wantFrame{instErrFrame("a", CodeInvalidPayload)}}}},

		// Names.
		{"a second login replaces the first", []rawStep{loginA,
			{"a", `{"type":"login","name":"alicia"}`, []wantFrame{deliver("a", `{"type":"login","success":true}`)}},
			{"b", `{"type":"login","name":"alice"}`, []wantFrame{deliver("b", `{"type":"login","success":true}`)}},
			{"c", `{"type":"login","name":"carol"}`, []wantFrame{deliver("c", `{"type":"login","success":true}`)}},
			{"c", `{"type":"offer","name":"alicia","offer":1}`, []wantFrame{deliver("a", `{"type":"offer","offer":1,"name":"carol"}`)}},
			{"c", `{"type":"offer","name":"alice","offer":1}`, []wantFrame{deliver("b", `{"type":"offer","offer":1,"name":"carol"}`)}},
		}},
		{"the dialects share the names", []rawStep{initA, {"b", `{"type":"login","name":"alice"}`, []wantFrame{loginRefused("b", CodeNameTaken)}}}},
		{"one name in two rooms", []rawStep{loginA, {"d", `{"type":"login","name":"alice"}`, []wantFrame{deliver("d", `{"type":"login","success":true}`)}}}},
		{"a closed connection frees its name", []rawStep{initA, {"close:a", "", nil},
			{"b", `{"inst":"init","id":"alice"}`, nil},
			{"c", `{"inst":"init","id":"carol"}`, nil},
			{"c", `{"inst":"send","peerId":"alice","message":1}`, []wantFrame{deliver("b", `1`)}},
		}},

		// Partners.
		{"the offerer's partner is told it left", []rawStep{loginA, loginB,
			{"a", `{"type":"offer","name":"bob","offer":{}}`, []wantFrame{deliver("b", `{"type":"offer","offer":{},"name":"alice"}`)}},
			{"close:a", "", []wantFrame{deliver("b", `{"type":"leave"}`)}},
			{"close:a", "", nil},
			{"close:b", "", nil},
		}},
		{"the answerer's partner is told it left", []rawStep{loginA, loginB,
			{"b", `{"type":"answer","name":"alice","answer":{}}`, []wantFrame{deliver("a", `{"type":"answer","answer":{}}`)}},
			{"close:b", "", []wantFrame{deliver("a", `{"type":"leave"}`)}},
		}},
		{"a candidate makes no partner", []rawStep{loginA, loginB,
			{"a", `{"type":"candidate","name":"bob","candidate":{}}`, []wantFrame{deliver("b", `{"type":"candidate","candidate":{}}`)}},
			{"close:a", "", nil},
		}},
		{"a leave ends the partnership both ways", []rawStep{loginA, loginB,
			{"a", `{"type":"offer","name":"bob","offer":{}}`, []wantFrame{deliver("b", `{"type":"offer","offer":{},"name":"alice"}`)}},
			{"b", `{"type":"answer","name":"alice","answer":{}}`, []wantFrame{deliver("a", `{"type":"answer","answer":{}}`)}},
			{"a", `{"type":"leave","name":"bob"}`, []wantFrame{deliver("b", `{"type":"leave"}`)}},
			{"close:a", "", nil},
			{"close:b", "", nil},
		}},
		{"a partner that left first is not told", []rawStep{loginA, loginB,
			{"a", `{"type":"offer","name":"bob","offer":{}}`, []wantFrame{deliver("b", `{"type":"offer","offer":{},"name":"alice"}`)}},
			{"close:b", "", nil},
			{"close:a", "", nil},
		}},
		{"after close, frames are refused", []rawStep{loginA, {"close:a", "", nil},
			{"a", `{"type":"login","name":"alice"}`, []wantFrame{loginRefused("a", CodeNotConnected)}},
			{"a", `{"inst":"send","peerId":"bob","message":1}`, []wantFrame{instErrFrame("a", CodeNotConnected)}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, conns := rawSetup(t)
			runRawSteps(t, conns, tt.steps)
		})
	}
}

func TestRawConnOutsideTheRawSpace(t *testing.T) {
	r := newRegistry(t, func(c *Config) { c.DefaultRoom = "" })
	mustConnectIn(t, r, "roomless", SpaceRaw, "")
	mustConnect(t, r, "s", "call")
	runRawSteps(t, map[string]*RawConn{"roomless": r.NewRawConn("roomless"), "s": r.NewRawConn("s"), "ghost": r.NewRawConn("ghost")}, []rawStep{
		{"roomless", `{"type":"login","name":"x"}`, []wantFrame{loginRefused("roomless", CodeNotInRoom)}},
		{"s", `{"inst":"init","id":"x"}`, []wantFrame{instErrFrame("s", CodeNotConnected)}},
		{"ghost", `{"type":"login","name":"x"}`, []wantFrame{loginRefused("ghost", CodeNotConnected)}},
		{"close:ghost", "", nil},
	})
	wantMembers(t, r, "call", "s") // a RawConn of a socket.io peer changed nothing
}

func TestRawLoginsHoldOneName(t *testing.T) {
	r, conns := rawSetup(t)
	for i := range 10_000 {
		frames := conns["a"].Handle(fmt.Appendf(nil, `{"type":"login","name":"user-%d"}`, i))
		if len(frames) != 1 || string(frames[0].Data) != `{"type":"login","success":true}` {
			t.Fatalf("login %d = %s", i, formatFrames(frames))
		}
	}
	names := r.rooms[RoomKey{SpaceRaw, "call"}].names
	if len(names) != 1 || names["user-9999"] != "a" {
		t.Errorf("the room holds %d names, want only user-9999", len(names))
	}
	conns["a"].Close()
	if len(names) != 0 {
		t.Errorf("after close the room holds %d names, want none", len(names))
	}
}

func TestRawConcurrentClaims(t *testing.T) {
	const claimants = 64
	r := newRegistry(t, func(c *Config) { c.MaxPeersPerRoom = claimants })
	conns := make([]*RawConn, claimants)
	for i := range conns {
		id := PeerID(fmt.Sprintf("p%d", i))
		mustConnectIn(t, r, id, SpaceRaw, "call")
		conns[i] = r.NewRawConn(id)
	}
	var wg sync.WaitGroup
	results := make([]string, claimants)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			frame := `{"type":"login","name":"alice"}`
			if i%2 == 1 {
				frame = `{"inst":"init","id":"alice"}`
			}
			frames := c.Handle([]byte(frame))
			switch {
			case len(frames) == 0 || string(frames[0].Data) == `{"type":"login","success":true}`:
				results[i] = "won"
			case strings.Contains(string(frames[0].Data), CodeNameTaken):
				results[i] = "taken"
			default:
				results[i] = string(frames[0].Data)
			}
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for _, res := range results {
		count[res]++
	}
	if count["won"] != 1 || count["taken"] != claimants-1 {
		t.Errorf("outcomes %v, want exactly one won and %d taken", count, claimants-1)
	}
}

// FuzzRawConnHandle feeds one connection arbitrary frames: every answer is
// valid JSON, for the sender itself or a peer of its room.
func FuzzRawConnHandle(f *testing.F) {
	for _, seed := range []string{
		`{"type":"login","name":"alice"}`, `{"type":"offer","name":"bob","offer":{"sdp":"v=0"}}`,
		`{"inst":"init","id":"alice"}`, `{"inst":"send","peerId":"bob","message":[1,{"a":null}]}`,
		`{"type":"leave","name":"bob"}`, `{"inst":"x","type":"y"}`, `[]`, `"`, `{"type":"\u006c\u006fgin","name":"é"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		r := newRegistry(t, nil)
		for _, id := range []PeerID{"a", "b"} {
			mustConnectIn(t, r, id, SpaceRaw, "call")
		}
		mustConnectIn(t, r, "d", SpaceRaw, "other")
		r.NewRawConn("b").Handle([]byte(`{"type":"login","name":"bob"}`))
		r.NewRawConn("d").Handle([]byte(`{"type":"login","name":"dave"}`))
		a := r.NewRawConn("a")
		// Twice: the second time the first may have logged the peer in.
		out := append(a.Handle(frame), a.Handle(frame)...)
		for _, f := range append(out, a.Close()...) {
			if f.To != "a" && f.To != "b" {
				t.Fatalf("frame %q answered to %q: %s", frame, f.To, f.Data)
			}
			if !json.Valid(f.Data) {
				t.Fatalf("frame %q answered with invalid JSON %q", frame, f.Data)
			}
		}
	})
}
