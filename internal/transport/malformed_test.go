package transport

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// malformedMaxPayload is the payload limit of the malformed-input tests:
// small enough to pass with a few attachments.
const malformedMaxPayload = 64 << 10

// TestMalformedInputClosesOnlyItsSession sends every kind of bad input from
// a connected client: each closes that session, with a parse error, while
// another session goes on unharmed.
func TestMalformedInputClosesOnlyItsSession(t *testing.T) {
	half := bytes.Repeat([]byte{7}, malformedMaxPayload/2+1)
	tests := []struct {
		name string
		// sends are sent in turn: one POST each, or frames.
		sends [][]packet
		// raw replaces sends over a websocket, rawPost over polling; a
		// case with only one of them runs on that transport alone.
		raw      func(*websocket.Conn) error
		rawPost  func(*testing.T, *pollClient) response
		variants []variant // default: every variant
		// reason is the Disconnect's; default: ReasonParseError.
		reason string
	}{
		{name: "unknown Engine.IO type", sends: [][]packet{{txt("7")}}},
		{name: "not a packet", sends: [][]packet{{txt("abc")}}},
		{name: "an open packet from the client", sends: [][]packet{{txt(`0{}`)}}},
		{name: "an upgrade packet on an established transport", sends: [][]packet{{txt("5")}}},
		{name: "unknown Socket.IO type", sends: [][]packet{{txt("4abc")}}},
		{name: "Socket.IO type 7", sends: [][]packet{{txt(`47["x"]`)}}},
		{name: "an empty message", sends: [][]packet{{txt("4")}}},
		{name: "invalid JSON", sends: [][]packet{{txt(`42["x",]`)}}},
		{name: "truncated JSON", sends: [][]packet{{txt(`42["x"`)}}},
		{name: "an event payload that is no array", sends: [][]packet{{txt(`42{}`)}}},
		{name: "an event without a name", sends: [][]packet{{txt(`42[]`)}}},
		{name: "an event name that is no string", sends: [][]packet{{txt(`42[1,"x"]`)}}},
		{name: "an event without payload", sends: [][]packet{{txt(`42`)}}},
		{name: "an ack id that is no number", sends: [][]packet{{txt(`42abc["x"]`)}}},
		{name: "an ack id of 16 digits", sends: [][]packet{{txt(`421234567890123456["x"]`)}}},
		{name: "an ack payload that is no array", sends: [][]packet{{txt(`431{}`)}}},
		{name: "a disconnect with a payload", sends: [][]packet{{txt(`41{}`)}}},
		{name: "a connect payload that is no object", sends: [][]packet{{txt(`40[]`)}}},
		{name: "a connect error from a client", sends: [][]packet{{txt(`44{"message":"x"}`)}}},
		{name: "invalid UTF-8", sends: [][]packet{{txt("42[\"echo\",\"\xff\"]")}}},
		{name: "an attachment without a header", sends: [][]packet{{bin(1, 2, 3)}}},
		{name: "a header without its attachment", sends: [][]packet{{txt(`451-["x",` + placeholder + `]`), txt(`42["y"]`)}}},
		{name: "too many attachments", sends: [][]packet{{txt(`4511-["x"]`)}}},
		{name: "a placeholder past the attachments", sends: [][]packet{{txt(`451-["x",{"_placeholder":true,"num":1}]`), bin(1)}}},
		{name: "a negative placeholder", sends: [][]packet{{txt(`451-["x",[{"num":-1,"_placeholder":true}]]`), bin(1)}}},
		{name: "a placeholder without num", sends: [][]packet{{txt(`451-["x",{"a":{"_placeholder":true}}]`), bin(1)}}},
		{name: "a placeholder whose num is a string", sends: [][]packet{{txt(`451-["x",{"_placeholder":true,"num":"0"}]`), bin(1)}}},
		{name: "a placeholder with an escaped key", sends: [][]packet{{txt(`451-["x",{"_placeholder":true,"num":2}]`), bin(1)}}},
		{name: "an attachment count without a dash", sends: [][]packet{{txt(`451["x",` + placeholder + `]`)}}},
		{name: "an attachment count of 7 digits", sends: [][]packet{{txt(`451234567-["x"]`)}}},
		{name: "a binary event that is no event", sends: [][]packet{{txt(`451-{}`), bin(1)}}},
		{name: "attachments past the payload limit", sends: [][]packet{{txt(`452-["x",` + placeholder + `,` + placeholder + `]`), bin(half...)}, {bin(half...)}},
			reason: ReasonMessageTooLarge},
		{
			name:   "a websocket message past the read limit",
			reason: ReasonMessageTooLarge,
			raw: func(c *websocket.Conn) error {
				return c.WriteMessage(websocket.TextMessage, []byte(`42["x","`+strings.Repeat("a", malformedMaxPayload)+`"]`))
			},
		},
		{
			name: "a version 3 binary frame without its type byte", variants: []variant{variants[4]},
			raw: func(c *websocket.Conn) error { return c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}) },
		},
		{
			name: "an empty text frame",
			raw:  func(c *websocket.Conn) error { return c.WriteMessage(websocket.TextMessage, nil) },
		},
		{
			name:   "a POST body past the payload limit: 413",
			reason: ReasonMessageTooLarge,
			rawPost: func(t *testing.T, c *pollClient) response {
				res := c.postRaw(t, bytes.Repeat([]byte("4"), malformedMaxPayload+1), "text/plain;charset=UTF-8")
				if res.status != http.StatusRequestEntityTooLarge {
					t.Errorf("POST answered %d %q, want 413", res.status, res.body)
				}
				return res
			},
		},
		{
			name: "an empty POST body",
			rawPost: func(t *testing.T, c *pollClient) response {
				return c.postRaw(t, nil, "text/plain;charset=UTF-8")
			},
		},
		{
			name: "a version 3 payload with a wrong length", variants: []variant{variants[2]},
			rawPost: func(t *testing.T, c *pollClient) response {
				return c.postRaw(t, []byte(`9:42["x"]`), "text/plain;charset=UTF-8")
			},
		},
		{
			name: "a version 3 binary payload with a bad header", variants: []variant{variants[3]},
			rawPost: func(t *testing.T, c *pollClient) response {
				return c.postRaw(t, []byte{0, 12, 0xff, '4'}, "application/octet-stream")
			},
		},
		{
			name: "a version 4 payload with an empty packet", variants: []variant{variants[0]},
			rawPost: func(t *testing.T, c *pollClient) response {
				return c.postRaw(t, []byte("\x1e42[\"x\"]"), "text/plain;charset=UTF-8")
			},
		},
	}

	ts := newTestServer(t, func(c *Config) {
		c.MaxPayload = malformedMaxPayload
		c.MaxQueuedBytes = 4 * malformedMaxPayload
	})
	bystander := ts.open(t, variants[1])
	witness := ts.connect(t, bystander, variants[1], "")
	for _, tt := range tests {
		vs := tt.variants
		if vs == nil {
			vs = variants
		}
		for _, v := range vs {
			if (v.websocket && tt.sends == nil && tt.raw == nil) || (!v.websocket && tt.sends == nil && tt.rawPost == nil) {
				continue
			}
			t.Run(tt.name+"/"+v.name, func(t *testing.T) {
				tooLarge := ts.srv.Stats().TooLarge
				c := ts.open(t, v)
				p := ts.connect(t, c, v, "")
				switch {
				case v.websocket && tt.raw != nil:
					if err := tt.raw(c.(*wsClient).c); err != nil {
						t.Fatal(err)
					}
				case !v.websocket && tt.rawPost != nil:
					if res := tt.rawPost(t, c.(*pollClient)); res.status == http.StatusOK {
						t.Fatalf("the POST was accepted: %q", res.body)
					}
				default:
					for _, ps := range tt.sends {
						sendAll(t, c, ps)
					}
				}
				c.waitClosed(t)
				want := tt.reason
				if want == "" {
					want = ReasonParseError
				}
				if reason := p.waitDisconnect(t); reason != want {
					t.Fatalf("Disconnect reason %q, want %q", reason, want)
				}
				if want == ReasonMessageTooLarge {
					tooLarge++ // counted once, for /metrics
				}
				if got := ts.srv.Stats().TooLarge; got != tooLarge {
					t.Errorf("Stats().TooLarge = %d, want %d", got, tooLarge)
				}
				p.noEvents(t)
				bystander.send(t, txt(`42["echo","unharmed"]`))
				expect(t, bystander, txt(`42["echo","unharmed"]`))
				witness.nextEvent(t)
			})
		}
	}
	waitUntil(t, "the bystander's session is the only one", func() bool { return ts.srv.Stats().Sessions() == 1 })
}
