package e2e

// Private rooms: a server started with a room token key, official clients
// of every version, tokens made by `roomcast token` itself or, for the ones
// it never makes (expired, tampered, unsigned, EdDSA), here.

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// tokenSecret is the servers' HS256 secret in these tests.
const tokenSecret = "e2e-secret-0123456789abcdef0123456789"

// privateServer runs roomcast with rooms made private by tokenSecret.
func privateServer(t *testing.T, flags ...string) *server {
	t.Helper()
	return startServer(t, append([]string{"--room-token-secret", tokenSecret}, flags...)...)
}

// cliToken runs `roomcast token` with args, the secret in its variable, and
// returns what it printed.
func cliToken(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(roomcastBin, append([]string{"token"}, args...)...)
	cmd.Env = append(os.Environ(), "ROOMCAST_ROOM_TOKEN_SECRET="+tokenSecret)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("roomcast token %q: %v", args, err)
	}
	token := strings.TrimSpace(string(out))
	if strings.Count(token, ".") != 2 {
		t.Fatalf("roomcast token printed %q, want a JWT", out)
	}
	return token
}

// signed signs claims with method and key, as a backend other than
// `roomcast token` would.
func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func roomClaims(room string, exp time.Time) jwt.MapClaims {
	return jwt.MapClaims{"room": room, "exp": exp.Unix()}
}

// privateRoom is the connect option of a page joining room with token at
// once: auth for socket.io 3+, the query for older clients.
func privateRoom(room, token string) map[string]any {
	return map[string]any{
		"auth":  map[string]any{"room": room, "token": token},
		"query": map[string]any{"room": room, "token": token},
	}
}

// joinFailure is the payload of join-error.
type joinFailure struct{ Room, Code, Message string }

func TestPrivateRoomsWithEveryClient(t *testing.T) {
	t.Parallel()
	s := privateServer(t)
	d := startDriver(t)
	physics := cliToken(t, "--room", "physics", "--ttl", "1h")
	first := d.connect(s, "first", clientV4, privateRoom("physics", physics))
	first.next(t, "joined")
	for _, c := range []struct{ name, client string }{{"v4", clientV4}, {"v3", clientV3}, {"v2", clientV2}, {"v1", clientV1}} {
		t.Run(c.name, func(t *testing.T) {
			p := d.connect(s, c.name, c.client, privateRoom("physics", physics))
			var j joinResult
			p.next(t, "joined").arg(t, 0, &j)
			if j.Room != "physics" {
				t.Fatalf("joined %+v", j)
			}
			first.wantPeerEvent(t, "peer-joined", "physics", p)
			ackOK(t, p.call(t, "offer", map[string]any{"sdp": c.name}))
			if got := payload(t, first.next(t, "offer")); got["sdp"] != c.name || got["from"] != p.ID {
				t.Fatalf("first got %v", got)
			}

			// Without the token, the same client is refused the room.
			q := d.connect(s, c.name+"-anonymous", c.client, inRoom("physics"))
			var e joinFailure
			q.next(t, "join-error").arg(t, 0, &e)
			if e.Room != "physics" || e.Code != "forbidden" || e.Message == "" {
				t.Fatalf("join-error %+v, want forbidden for physics", e)
			}
			wantCode(t, q.call(t, "offer", map[string]any{}), "not-in-room")
		})
	}
	first.barrier(t)
	if n := first.peerEvents("peer-joined", "physics"); n != 4 {
		t.Fatalf("first saw %d peers join, want the 4 with a token", n)
	}
}

// TestRefusedTokens: every token that must not open physics is refused
// with forbidden, on join and in the handshake, and the room never sees the
// peer.
func TestRefusedTokens(t *testing.T) {
	t.Parallel()
	s := privateServer(t)
	d := startDriver(t)
	member := d.connect(s, "member", clientV4, privateRoom("physics", cliToken(t, "--room", "physics")))
	member.next(t, "joined")

	secret := []byte(tokenSecret)
	soon := time.Now().Add(time.Hour)
	valid := signed(t, jwt.SigningMethodHS256, secret, roomClaims("physics", soon))
	parts := strings.Split(valid, ".")
	chemistryClaims, _ := json.Marshal(roomClaims("chemistry", soon))
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))

	for _, tc := range []struct {
		name, room, token string
	}{
		{"no token", "physics", ""},
		{"another room's token", "chemistry", cliToken(t, "--room", "physics")},
		{"expired", "physics", signed(t, jwt.SigningMethodHS256, secret, roomClaims("physics", time.Now().Add(-time.Hour)))},
		{"tampered room", "chemistry", parts[0] + "." + base64.RawURLEncoding.EncodeToString(chemistryClaims) + "." + parts[2]},
		{"tampered signature", "physics", parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))},
		{"unsigned (alg none)", "physics", noneHeader + "." + parts[1] + "."},
		{"wrong algorithm (HS512)", "physics", signed(t, jwt.SigningMethodHS512, secret, roomClaims("physics", soon))},
		{"EdDSA, which this server has no key for", "physics", signed(t, jwt.SigningMethodEdDSA, otherKey, roomClaims("physics", soon))},
		{"another secret", "physics", signed(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef0123"), roomClaims("physics", soon))},
		{"no room", "physics", signed(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"exp": soon.Unix()})},
		{"no exp", "physics", signed(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"room": "physics"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := d.connect(s, "p-"+tc.name, clientV4, map[string]any{"auth": map[string]any{"token": tc.token}})
			p.next(t, "join-error") // the default room is private too
			wantCode(t, p.call(t, "join", map[string]any{"room": tc.room, "token": tc.token}), "forbidden")

			h := d.connect(s, "h-"+tc.name, clientV4, privateRoom(tc.room, tc.token))
			var e joinFailure
			h.next(t, "join-error").arg(t, 0, &e)
			if e.Code != "forbidden" || e.Room != tc.room {
				t.Fatalf("handshake room: join-error %+v, want forbidden", e)
			}
		})
	}
	member.barrier(t)
	member.wantNone(t, "peer-joined")
	if r := s.Readiness(t); r.Rooms != 1 {
		t.Fatalf("%d rooms, want physics alone", r.Rooms)
	}
}

func TestPrivateRoomMaxPeersUnderConcurrentJoins(t *testing.T) {
	t.Parallel()
	s := privateServer(t)
	d := startDriver(t)
	token := cliToken(t, "--room", "trio", "--max-peers", "3")
	const clients = 8
	peers := make([]*peer, clients)
	for i := range peers {
		peers[i] = d.dial(s, "p"+string(rune('a'+i)), clientV4, privateRoom("trio", token))
	}
	joined, full := 0, 0
	for _, p := range peers {
		r := p.waitFor(t, func(r report) bool { return r.Type == "event" && (r.Event == "joined" || r.Event == "join-error") }, "joined or join-error")
		if r.Event == "joined" {
			joined++
			continue
		}
		var e joinFailure
		r.arg(t, 0, &e)
		if e.Code != "room-full" {
			t.Fatalf("join-error %+v, want room-full", e)
		}
		full++
	}
	if joined != 3 || full != clients-3 {
		t.Fatalf("%d joined and %d were told room-full, want 3 and %d", joined, full, clients-3)
	}
}

func TestEdDSARoomTokens(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "room-tokens.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--room-token-public-key", keyFile)
	d := startDriver(t)
	soon := time.Now().Add(time.Hour)
	a := d.connect(s, "a", clientV4, privateRoom("physics", signed(t, jwt.SigningMethodEdDSA, priv, roomClaims("physics", soon))))
	a.next(t, "joined")
	// HS256 tokens mean nothing to a server that holds only a public key,
	// not even one keyed with that public key's bytes.
	b := d.connect(s, "b", clientV4, privateRoom("physics", signed(t, jwt.SigningMethodHS256, []byte(pub), roomClaims("physics", soon))))
	var e joinFailure
	b.next(t, "join-error").arg(t, 0, &e)
	if e.Code != "forbidden" {
		t.Fatalf("join-error %+v, want forbidden", e)
	}
}

// TestPrivateDialects: the codelab's create or join and signalmaster's
// create take the token the page connected with (?token= in its URL).
func TestPrivateDialects(t *testing.T) {
	t.Parallel()
	s := privateServer(t)
	d := startDriver(t)
	withToken := func(room string) map[string]any {
		return map[string]any{"query": map[string]any{"token": cliToken(t, "--room", room)}}
	}
	codelab := d.connect(s, "codelab", clientV2, withToken("physics"))
	codelab.emit("create or join", "physics")
	var room string
	codelab.next(t, "created").arg(t, 0, &room)
	stranger := d.connect(s, "stranger", clientV2, nil)
	stranger.emit("create or join", "physics")
	var e joinFailure
	stranger.next(t, "join-error").arg(t, 0, &e) // for the default room
	stranger.next(t, "join-error").arg(t, 0, &e)
	if e.Code != "forbidden" || e.Room != "physics" {
		t.Fatalf("create or join without a token: %+v", e)
	}

	simple := d.connect(s, "simple", clientV1, withToken("lab"))
	if ack := simple.call(t, "create", "lab"); len(ack.Args) != 2 || string(ack.Args[1]) != `"lab"` {
		t.Fatalf("create acked %s", ack.Args)
	}
	wantCode(t, simple.call(t, "create", "elsewhere"), "forbidden")
	wantCode(t, simple.call(t, "create"), "forbidden") // a random name no token opens
}

// rawDial opens the raw WebSocket endpoint with a query.
func rawDial(t *testing.T, s *server, query string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+s.Addr+"/ws?"+query, nil)
	if err != nil {
		t.Fatalf("dial /ws?%s: %v", query, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestPrivateRawWebSocket(t *testing.T) {
	t.Parallel()
	s := privateServer(t)
	token := cliToken(t, "--room", "physics")
	a := rawDial(t, s, "room=physics&token="+token)
	b := rawDial(t, s, "room=physics&token="+token)
	send(t, a, `{"inst":"init","id":"alice"}`)
	send(t, b, `{"inst":"init","id":"bob"}`)
	send(t, b, `{"type":"login","name":"bob2"}`) // a round trip: bob's init is done once this is answered
	if frame, err := readFrame(t, b); err != nil || !strings.Contains(frame, `"success":true`) {
		t.Fatalf("login answer %q, %v", frame, err)
	}
	send(t, a, `{"inst":"send","peerId":"bob2","message":{"hi":1}}`)
	if frame, err := readFrame(t, b); err != nil || frame != `{"hi":1}` {
		t.Fatalf("bob got %q, %v", frame, err)
	}

	for _, query := range []string{"room=physics", "room=chemistry&token=" + token, "token=" + token, ""} {
		t.Run(query, func(t *testing.T) {
			c := rawDial(t, s, query)
			frame, err := readFrame(t, c)
			if err != nil {
				t.Fatal(err)
			}
			var e struct{ Type, Inst, Code, Message string }
			if json.Unmarshal([]byte(frame), &e) != nil || e.Code != "forbidden" || e.Type != "error" || e.Inst != "error" || e.Message == "" {
				t.Fatalf("frame %q, want the error frame of both dialects with forbidden", frame)
			}
			if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Fatalf("after the refusal: %v, want a normal close", err)
			}
		})
	}
	// Refused connections leave nothing behind: the two members are all.
	r := waitReadiness(t, s, settleTimeout, func(r roomcasttest.Readiness) bool { return r.Peers == 2 })
	if r.Peers != 2 || r.Rooms != 1 {
		t.Fatalf("readiness %+v, want the 2 members in 1 room", r)
	}
}
