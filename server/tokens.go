package server

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomcast/roomcast/internal/transport"
	"github.com/roomcast/roomcast/rooms"
)

// Private rooms. With a key configured, every way into a room needs a
// signed token (a JWT) whose room claim is that room: join, the handshake
// room, the codelab's create or join, signalmaster's create, and a raw
// WebSocket's room. The default room is one of them: with tokens on, a
// socket that names no room is put there only with a token for it, since an
// open room would be the one place where anyone could reach anyone.

const (
	// MinTokenSecretBytes is the shortest HS256 secret accepted: the
	// length of the hash, below which the key is easier to guess than the
	// signature (RFC 7518, section 3.2).
	MinTokenSecretBytes = 32
	// maxTokenBytes bounds a token before any decoding: one naming a
	// 64-character room is about 250 bytes; anything far longer is not a
	// room token, and is refused without spending a signature check on it.
	maxTokenBytes = 4096
	// tokenLeeway is how far exp and nbf may be off: the clocks of the
	// backend that signs tokens and of roomcast differ by a few seconds.
	tokenLeeway = 5 * time.Second
)

// The token signing algorithms: HS256 with a shared secret, EdDSA with an
// Ed25519 key pair (roomcast holds only the public key).
const (
	algHS256 = "HS256"
	algEdDSA = "EdDSA"
)

// RoomTokens configures private rooms. Tokens are off while none of the
// fields is set.
type RoomTokens struct {
	// Secret is the shared HS256 key tokens are signed with, at least
	// MinTokenSecretBytes long. Default: none.
	Secret string
	// SecretFile is a file holding Secret (without its trailing newline),
	// which keeps the secret out of the process list. Default: none.
	SecretFile string
	// PublicKeyFile is a PEM file with an Ed25519 public key ("PUBLIC
	// KEY", PKIX): EdDSA tokens signed with its private key are accepted,
	// next to HS256 ones if a secret is set too. Default: none.
	PublicKeyFile string
}

// Enabled reports whether rooms are private.
func (t RoomTokens) Enabled() bool {
	return t.Secret != "" || t.SecretFile != "" || t.PublicKeyFile != ""
}

// Validate reports the first setting that cannot work, reading the files.
func (t RoomTokens) Validate() error {
	if _, err := t.SigningSecret(); err != nil {
		return err
	}
	_, err := t.publicKey()
	return err
}

// SigningSecret returns the HS256 secret, from Secret or SecretFile; nil
// when neither is set.
func (t RoomTokens) SigningSecret() ([]byte, error) {
	secret := []byte(t.Secret)
	switch {
	case t.Secret != "" && t.SecretFile != "":
		return nil, errors.New("room token secret: set the secret or its file, not both")
	case t.SecretFile != "":
		data, err := os.ReadFile(t.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("room token secret file: %v", err)
		}
		secret = bytes.TrimRight(data, "\r\n")
	case t.Secret == "":
		return nil, nil
	}
	if len(secret) < MinTokenSecretBytes {
		return nil, fmt.Errorf("room token secret is %d bytes, it must be at least %d", len(secret), MinTokenSecretBytes)
	}
	return secret, nil
}

func (t RoomTokens) publicKey() (ed25519.PublicKey, error) {
	if t.PublicKeyFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(t.PublicKeyFile)
	if err != nil {
		return nil, fmt.Errorf("room token public key: %v", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("room token public key %s is not a PEM file", t.PublicKeyFile)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("room token public key %s: %v", t.PublicKeyFile, err)
	}
	edKey, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("room token public key %s is a %T, not an Ed25519 key", t.PublicKeyFile, key)
	}
	return edKey, nil
}

// RoomGrant is what a room token says.
type RoomGrant struct {
	// Room is the one room the token opens.
	Room string
	// Expires is when the token stops opening it.
	Expires time.Time
	// MaxPeers, when positive, is the room's capacity (capped by
	// --max-peers-per-room).
	MaxPeers int
}

// roomClaims are a token's claims: room, exp, and optionally max_peers.
type roomClaims struct {
	Room     string `json:"room"`
	MaxPeers *int   `json:"max_peers,omitempty"`
	jwt.RegisteredClaims
}

// SignRoomToken signs g as an HS256 token with secret.
func SignRoomToken(secret []byte, g RoomGrant) (string, error) {
	if len(secret) < MinTokenSecretBytes {
		return "", fmt.Errorf("room token secret is %d bytes, it must be at least %d", len(secret), MinTokenSecretBytes)
	}
	if err := rooms.ValidateName(g.Room); err != nil {
		return "", errors.New(err.Message)
	}
	claims := roomClaims{Room: g.Room, RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(g.Expires)}}
	if g.MaxPeers != 0 {
		if g.MaxPeers < rooms.MinRoomCapacity {
			return "", fmt.Errorf("max peers is %d, it must be at least %d", g.MaxPeers, rooms.MinRoomCapacity)
		}
		claims.MaxPeers = &g.MaxPeers
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}

// roomTokens checks the tokens of private rooms. A nil *roomTokens opens
// every room: tokens are off.
type roomTokens struct {
	secret    []byte
	publicKey ed25519.PublicKey
	methods   []string
	parser    *jwt.Parser
}

// newRoomTokens loads the keys of cfg; nil when tokens are off.
func newRoomTokens(cfg RoomTokens) (*roomTokens, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	secret, err := cfg.SigningSecret()
	if err != nil {
		return nil, err
	}
	publicKey, err := cfg.publicKey()
	if err != nil {
		return nil, err
	}
	v := &roomTokens{secret: secret, publicKey: publicKey}
	if secret != nil {
		v.methods = append(v.methods, algHS256)
	}
	if publicKey != nil {
		v.methods = append(v.methods, algEdDSA)
	}
	v.parser = jwt.NewParser(jwt.WithValidMethods(v.methods), jwt.WithExpirationRequired(), jwt.WithLeeway(tokenLeeway))
	return v, nil
}

// open checks that token opens room, and returns the room's capacity the
// token sets (0 for none). A nil v opens every room.
func (v *roomTokens) open(token, room string) (maxPeers int, err *rooms.Error) {
	if v == nil {
		return 0, nil
	}
	if token == "" {
		return 0, forbidden("room " + room + " is private: connect or join with its token (auth.token, ?token= or join {room, token})")
	}
	if len(token) > maxTokenBytes {
		return 0, forbidden("the token is longer than " + strconv.Itoa(maxTokenBytes) + " bytes")
	}
	var claims roomClaims
	tok, perr := v.parser.ParseWithClaims(token, &claims, v.key)
	if perr != nil {
		return 0, forbidden(v.why(tok, perr))
	}
	switch {
	case claims.Room == "":
		return 0, forbidden("the token names no room")
	case claims.Room != room:
		return 0, forbidden("the token opens another room, not " + room)
	case claims.MaxPeers == nil:
		return 0, nil
	case *claims.MaxPeers < rooms.MinRoomCapacity:
		return 0, forbidden("the token's max_peers is " + strconv.Itoa(*claims.MaxPeers) + ", it must be at least " + strconv.Itoa(rooms.MinRoomCapacity))
	}
	return *claims.MaxPeers, nil
}

// key is the parser's key function: the key of the token's algorithm.
// The parser has already refused algorithms outside v.methods.
func (v *roomTokens) key(t *jwt.Token) (any, error) {
	switch t.Method.(type) {
	case *jwt.SigningMethodHMAC:
		return v.secret, nil
	case *jwt.SigningMethodEd25519:
		return v.publicKey, nil
	}
	return nil, errors.New("no key for " + t.Method.Alg())
}

// why says in a sentence why a token was refused.
func (v *roomTokens) why(tok *jwt.Token, err error) string {
	if tok != nil {
		if alg, _ := tok.Header["alg"].(string); alg != "" && !slices.Contains(v.methods, alg) {
			return "the token is signed with " + alg + "; this server accepts " + strings.Join(v.methods, " or ")
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is not a well-formed JWT"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the token's signature does not verify"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token has no exp: room tokens must expire"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the token is not valid yet"
	}
	return "the token is not valid"
}

func forbidden(message string) *rooms.Error {
	return &rooms.Error{Code: rooms.CodeForbidden, Message: message}
}

// enter registers a new peer of space and joins it to room, or to the
// default room when room is empty, if token opens that room. A refused
// room leaves the peer registered in no room, as the registry does with a
// room it refuses itself, so it can join another.
func (s *signaling) enter(id rooms.PeerID, space rooms.Space, room, token string) (rooms.Joined, *rooms.Error) {
	target := room
	if target == "" {
		target = s.registry.Config().DefaultRoom
	}
	if target == "" {
		return s.registry.Connect(id, space, "")
	}
	maxPeers, err := s.tokens.open(token, target)
	if err != nil {
		if regErr := s.registry.Register(id, space); regErr != nil {
			return rooms.Joined{}, regErr
		}
		return rooms.Joined{}, err
	}
	return s.registry.ConnectCapped(id, space, room, maxPeers)
}

// grant checks the token of a join command into room: the token member of
// its {room, token} argument, else the one the socket connected with. It
// returns the room's capacity the token sets.
func (s *signaling) grant(c *client, ev *transport.Event, room string) (maxPeers int, err *rooms.Error) {
	if s.tokens == nil {
		return 0, nil
	}
	token, ok := rooms.ParseTokenArg(firstArg(ev))
	if !ok {
		return 0, &rooms.Error{Code: rooms.CodeInvalidPayload, Message: "token must be a string"}
	}
	if token == "" {
		token = c.token
	}
	return s.tokens.open(token, room)
}

// requestedToken is the room token a client connects with: auth.token
// (socket.io 3+), or the token query parameter (any version, and raw
// WebSockets).
func requestedToken(auth json.RawMessage, hs *transport.Handshake) string {
	if auth != nil {
		var a map[string]any
		if json.Unmarshal(auth, &a) == nil {
			if token, ok := a[rooms.MemberToken].(string); ok && token != "" {
				return token
			}
		}
	}
	return hs.Query().Get(rooms.MemberToken)
}
