package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomcast/roomcast/rooms"
)

// testSecret is an HS256 secret of the minimum length.
const testSecret = "0123456789abcdef0123456789abcdef"

// writeFile writes data to a new file of the test and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// publicKeyPEM encodes a public key as a PKIX PEM file's contents.
func publicKeyPEM(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func newEd25519(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// sign signs claims with method and key.
func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// unsigned is a token with alg none: header and claims, an empty signature.
func unsigned(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	enc := base64.RawURLEncoding
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(body) + "."
}

// tamper replaces a token's claims, keeping its header and signature.
func tamper(t *testing.T, token string, claims jwt.MapClaims) string {
	t.Helper()
	parts := strings.Split(token, ".")
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(body)
	return strings.Join(parts, ".")
}

func claimsFor(room string, exp time.Time, extra ...any) jwt.MapClaims {
	c := jwt.MapClaims{"room": room, "exp": exp.Unix()}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

func TestRoomTokensOpen(t *testing.T) {
	pub, priv := newEd25519(t)
	_, otherPriv := newEd25519(t)
	both, err := newRoomTokens(RoomTokens{Secret: testSecret, PublicKeyFile: writeFile(t, "ed.pem", publicKeyPEM(t, pub))})
	if err != nil {
		t.Fatal(err)
	}
	onlyEd, err := newRoomTokens(RoomTokens{PublicKeyFile: writeFile(t, "ed.pem", publicKeyPEM(t, pub))})
	if err != nil {
		t.Fatal(err)
	}
	hs := jwt.SigningMethodHS256
	secret := []byte(testSecret)
	soon, past := time.Now().Add(time.Hour), time.Now().Add(-time.Hour)
	valid := sign(t, hs, secret, claimsFor("physics", soon))

	for _, tc := range []struct {
		name     string
		v        *roomTokens
		token    string
		room     string
		maxPeers int    // when opened
		refusal  string // a substring of the forbidden message; "" when it opens
	}{
		{"HS256", both, valid, "physics", 0, ""},
		{"EdDSA", both, sign(t, jwt.SigningMethodEdDSA, priv, claimsFor("physics", soon)), "physics", 0, ""},
		{"EdDSA alone", onlyEd, sign(t, jwt.SigningMethodEdDSA, priv, claimsFor("physics", soon)), "physics", 0, ""},
		{"max_peers", both, sign(t, hs, secret, claimsFor("physics", soon, "max_peers", 3)), "physics", 3, ""},
		{"max_peers above the server's, capped by the registry", both, sign(t, hs, secret, claimsFor("physics", soon, "max_peers", 500)), "physics", 500, ""},
		{"expired a second ago, within the leeway", both, sign(t, hs, secret, claimsFor("physics", time.Now().Add(-time.Second))), "physics", 0, ""},

		{"no token", both, "", "physics", 0, "is private"},
		{"another room", both, valid, "chemistry", 0, "another room"},
		{"a prefix of the room", both, sign(t, hs, secret, claimsFor("phys", soon)), "physics", 0, "another room"},
		{"expired", both, sign(t, hs, secret, claimsFor("physics", past)), "physics", 0, "expired"},
		{"no exp", both, sign(t, hs, secret, jwt.MapClaims{"room": "physics"}), "physics", 0, "no exp"},
		{"no room", both, sign(t, hs, secret, jwt.MapClaims{"exp": soon.Unix()}), "physics", 0, "names no room"},
		{"empty room", both, sign(t, hs, secret, claimsFor("", soon)), "physics", 0, "names no room"},
		{"room not a string", both, sign(t, hs, secret, jwt.MapClaims{"room": 7, "exp": soon.Unix()}), "physics", 0, "well-formed"},
		{"not yet valid", both, sign(t, hs, secret, claimsFor("physics", soon, "nbf", soon.Add(-time.Minute).Unix())), "physics", 0, "not valid yet"},
		{"tampered room", both, tamper(t, valid, claimsFor("chemistry", soon)), "chemistry", 0, "signature"},
		{"tampered max_peers", both, tamper(t, sign(t, hs, secret, claimsFor("physics", soon, "max_peers", 2)), claimsFor("physics", soon, "max_peers", 50)), "physics", 0, "signature"},
		{"tampered signature", both, valid[:len(valid)-4] + "AAAA", "physics", 0, "signature"},
		{"another secret", both, sign(t, hs, []byte("fedcba9876543210fedcba9876543210"), claimsFor("physics", soon)), "physics", 0, "signature"},
		{"another Ed25519 key", both, sign(t, jwt.SigningMethodEdDSA, otherPriv, claimsFor("physics", soon)), "physics", 0, "signature"},
		{"alg none", both, unsigned(t, claimsFor("physics", soon)), "physics", 0, "signed with none"},
		{"HS384 with the secret", both, sign(t, jwt.SigningMethodHS384, secret, claimsFor("physics", soon)), "physics", 0, "signed with HS384"},
		{"HS256 when only EdDSA is configured", onlyEd, valid, "physics", 0, "signed with HS256"},
		// The classic confusion: an HMAC keyed with the public key's bytes.
		{"HS256 keyed with the public key", onlyEd, sign(t, hs, []byte(pub), claimsFor("physics", soon)), "physics", 0, "signed with HS256"},
		{"max_peers 1", both, sign(t, hs, secret, claimsFor("physics", soon, "max_peers", 1)), "physics", 0, "max_peers is 1"},
		{"max_peers negative", both, sign(t, hs, secret, claimsFor("physics", soon, "max_peers", -3)), "physics", 0, "max_peers is -3"},
		{"max_peers fractional", both, sign(t, hs, secret, claimsFor("physics", soon, "max_peers", 2.5)), "physics", 0, "well-formed"},
		{"max_peers a string", both, sign(t, hs, secret, claimsFor("physics", soon, "max_peers", "9")), "physics", 0, "well-formed"},
		{"not a JWT", both, "hello", "physics", 0, "well-formed"},
		{"too long", both, valid + strings.Repeat("A", maxTokenBytes), "physics", 0, "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			maxPeers, err := tc.v.open(tc.token, tc.room)
			if tc.refusal == "" {
				if err != nil || maxPeers != tc.maxPeers {
					t.Fatalf("open = %d, %v; want %d, nil", maxPeers, err, tc.maxPeers)
				}
				return
			}
			if err == nil {
				t.Fatalf("open = %d, nil; want forbidden (%s)", maxPeers, tc.refusal)
			}
			if err.Code != rooms.CodeForbidden || !strings.Contains(err.Message, tc.refusal) {
				t.Fatalf("open = %v; want forbidden mentioning %q", err, tc.refusal)
			}
		})
	}
}

func TestRoomTokensOffOpensEveryRoom(t *testing.T) {
	v, err := newRoomTokens(RoomTokens{})
	if err != nil || v != nil {
		t.Fatalf("newRoomTokens(none) = %v, %v; want nil, nil", v, err)
	}
	if maxPeers, err := v.open("", "physics"); err != nil || maxPeers != 0 {
		t.Fatalf("open with tokens off = %d, %v", maxPeers, err)
	}
}

func TestSignRoomToken(t *testing.T) {
	v, err := newRoomTokens(RoomTokens{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	token, err := SignRoomToken([]byte(testSecret), RoomGrant{Room: "physics", Expires: time.Now().Add(time.Hour), MaxPeers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if maxPeers, err := v.open(token, "physics"); err != nil || maxPeers != 4 {
		t.Fatalf("open(signed token) = %d, %v; want 4, nil", maxPeers, err)
	}
	if _, err := v.open(token, "chemistry"); err == nil {
		t.Fatal("a physics token opened chemistry")
	}
	for _, bad := range []struct {
		name   string
		secret string
		g      RoomGrant
	}{
		{"short secret", "short", RoomGrant{Room: "r", Expires: time.Now().Add(time.Hour)}},
		{"invalid room", testSecret, RoomGrant{Room: "", Expires: time.Now().Add(time.Hour)}},
		{"max peers 1", testSecret, RoomGrant{Room: "r", Expires: time.Now().Add(time.Hour), MaxPeers: 1}},
	} {
		if _, err := SignRoomToken([]byte(bad.secret), bad.g); err == nil {
			t.Errorf("%s: SignRoomToken succeeded", bad.name)
		}
	}
}

func TestRoomTokensValidate(t *testing.T) {
	pub, _ := newEd25519(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		cfg     RoomTokens
		wantErr string // "" when valid
	}{
		{"off", RoomTokens{}, ""},
		{"secret", RoomTokens{Secret: testSecret}, ""},
		{"secret file with a trailing newline", RoomTokens{SecretFile: writeFile(t, "s", []byte(testSecret+"\n"))}, ""},
		{"public key", RoomTokens{PublicKeyFile: writeFile(t, "k.pem", publicKeyPEM(t, pub))}, ""},
		{"short secret", RoomTokens{Secret: "0123456789"}, "at least 32"},
		{"short secret file", RoomTokens{SecretFile: writeFile(t, "s", []byte("0123456789\n"))}, "at least 32"},
		{"secret and file", RoomTokens{Secret: testSecret, SecretFile: writeFile(t, "s", []byte(testSecret))}, "not both"},
		{"missing secret file", RoomTokens{SecretFile: "/does/not/exist"}, "secret file"},
		{"missing key file", RoomTokens{PublicKeyFile: "/does/not/exist"}, "public key"},
		{"key file not PEM", RoomTokens{PublicKeyFile: writeFile(t, "k.pem", []byte("hello"))}, "not a PEM"},
		{"RSA key", RoomTokens{PublicKeyFile: writeFile(t, "k.pem", publicKeyPEM(t, &rsaKey.PublicKey))}, "not an Ed25519"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.RoomTokens = tc.cfg
			err := cfg.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate = %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Validate = %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// A node whose rooms are private, with its HS256 secret.
func newPrivateNode(t *testing.T, mutate func(*Config)) *testNode {
	t.Helper()
	return newTestNode(t, func(c *Config) {
		c.RoomTokens.Secret = testSecret
		if mutate != nil {
			mutate(c)
		}
	})
}

func tokenFor(t *testing.T, room string, maxPeers int) string {
	t.Helper()
	token, err := SignRoomToken([]byte(testSecret), RoomGrant{Room: room, Expires: time.Now().Add(time.Hour), MaxPeers: maxPeers})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestPrivateHandshakeRoom(t *testing.T) {
	n := newPrivateNode(t, nil)
	a := n.dial(t, "a", "").connect(map[string]any{"room": "physics", "token": tokenFor(t, "physics", 0)})
	wantJoined(t, decodeObject(t, a.want(rooms.EventJoined)[0]), "physics", a)
	// ?token= works as well, for clients without auth.
	b := n.dial(t, "b", "room=physics&token="+tokenFor(t, "physics", 0)).connect(nil)
	b.want(rooms.EventJoined)
	a.wantEvent(rooms.EventPeerJoined, roomPeerBody("physics", b))

	for _, tc := range []struct {
		name  string
		auth  map[string]any
		query string
	}{
		{"no token", map[string]any{"room": "physics"}, ""},
		{"another room's token", map[string]any{"room": "physics", "token": tokenFor(t, "chemistry", 0)}, ""},
		{"another room's token in the query", nil, "room=physics&token=" + tokenFor(t, "chemistry", 0)},
		{"a token that is not a string", map[string]any{"room": "physics", "token": 42}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var auth any // a nil map would be sent as null
			if tc.auth != nil {
				auth = tc.auth
			}
			c := n.dial(t, "c", tc.query).connect(auth)
			failure := wantErrorBody(t, c.want(rooms.EventJoinError)[0], rooms.CodeForbidden, "room")
			if failure["room"] != "physics" {
				t.Errorf("join-error room %v, want physics", failure["room"])
			}
			n.wantRooms(t, c)
			a.quiet()
		})
	}
}

func TestPrivateDefaultRoomNeedsItsToken(t *testing.T) {
	n := newPrivateNode(t, nil)
	// Without a token, a socket that names no room is in no room at all,
	// and told why.
	a := n.join(t, "a")
	failure := wantErrorBody(t, a.want(rooms.EventJoinError)[0], rooms.CodeForbidden, "room")
	if failure["room"] != rooms.DefaultDefaultRoom {
		t.Errorf("join-error room %v, want the default room", failure["room"])
	}
	n.wantRooms(t, a)
	wantErrorAck(t, a.call("offer", map[string]any{}), rooms.CodeNotInRoom)
	// With a token for the default room, it is there as usual.
	b := n.dial(t, "b", "").connect(map[string]any{"token": tokenFor(t, rooms.DefaultDefaultRoom, 0)})
	b.quiet()
	n.wantRooms(t, b, rooms.DefaultDefaultRoom)
}

func TestPrivateJoin(t *testing.T) {
	n := newPrivateNode(t, withRooms(func(c *rooms.Config) { c.DefaultRoom = "" }))
	physics := tokenFor(t, "physics", 0)
	a := n.join(t, "a")
	wantErrorAck(t, a.call(rooms.EventJoin, "physics"), rooms.CodeForbidden)
	wantErrorAck(t, a.call(rooms.EventJoin, map[string]any{"room": "physics", "token": tokenFor(t, "chemistry", 0)}), rooms.CodeForbidden)
	wantErrorAck(t, a.call(rooms.EventJoin, map[string]any{"room": "physics", "token": 7}), rooms.CodeInvalidPayload)
	n.wantRooms(t, a)
	wantOK(t, a.call(rooms.EventJoin, map[string]any{"room": "physics", "token": physics}))
	n.wantRooms(t, a, "physics")

	// The handshake's token serves later joins of its room, and only of it.
	b := n.dial(t, "b", "").connect(map[string]any{"token": physics})
	wantErrorAck(t, b.call(rooms.EventJoin, "chemistry"), rooms.CodeForbidden)
	wantOK(t, b.call(rooms.EventJoin, "physics"))
	a.wantEvent(rooms.EventPeerJoined, roomPeerBody("physics", b))
	// A join's own token wins over the handshake's.
	wantOK(t, b.call(rooms.EventJoin, map[string]any{"room": "chemistry", "token": tokenFor(t, "chemistry", 0)}))
	n.wantRooms(t, b, "chemistry", "physics")
}

func TestPrivateRoomMaxPeers(t *testing.T) {
	n := newPrivateNode(t, withRooms(func(c *rooms.Config) { c.DefaultRoom = "" }))
	trio := tokenFor(t, "trio", 3)
	for _, name := range []string{"a", "b", "c"} {
		c := n.join(t, name)
		wantOK(t, c.call(rooms.EventJoin, map[string]any{"room": "trio", "token": trio}))
	}
	d := n.join(t, "d")
	wantErrorAck(t, d.call(rooms.EventJoin, map[string]any{"room": "trio", "token": trio}), rooms.CodeRoomFull)
}

func TestPrivateCodelabAndSignalmaster(t *testing.T) {
	n := newPrivateNode(t, withRooms(func(c *rooms.Config) { c.DefaultRoom = "" }))
	a := n.join(t, "a")
	// The codelab's page hears join-error, as for any refused create or join.
	a.emit(rooms.EventCreateOrJoin, "physics")
	wantErrorBody(t, a.want(rooms.EventJoinError)[0], rooms.CodeForbidden, "room")
	n.wantRooms(t, a)
	wantErrorAck(t, a.call(rooms.EventCreate, "physics"), rooms.CodeForbidden)
	wantErrorAck(t, a.call(rooms.EventCreate), rooms.CodeForbidden) // a random room no token can open
	n.wantRooms(t, a)

	b := n.dial(t, "b", "token="+tokenFor(t, "physics", 0)).connect(nil)
	b.emit(rooms.EventCreateOrJoin, "physics")
	b.want(rooms.EventLog)
	b.want(rooms.EventLog)
	b.want(rooms.EventLog)
	b.want(rooms.EventCreated)
	c := n.dial(t, "c", "token="+tokenFor(t, "lab", 0)).connect(nil)
	if got := wantOKValue(t, c.call(rooms.EventCreate, "lab")); got != `"lab"` {
		t.Fatalf("create acked %s, want \"lab\"", got)
	}
	n.wantRooms(t, b, "physics")
	n.wantRooms(t, c, "lab")
}

// wantOKValue requires the ack (null, result) and returns result's JSON.
func wantOKValue(t *testing.T, ack []json.RawMessage) string {
	t.Helper()
	if len(ack) != 2 || string(ack[0]) != "null" {
		t.Fatalf("ack %s, want (null, result)", ack)
	}
	return string(ack[1])
}

func decodeObject(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m
}
