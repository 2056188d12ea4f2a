package server

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// TURN credentials in coturn's REST API scheme (its use-auth-secret
// option, after draft-uberti-behave-turn-rest): roomcast and the TURN
// server share a secret, and roomcast hands each peer a username that
// carries its expiry and a password derived from both. The TURN server
// checks them with the secret alone, so nothing is stored per user and a
// credential is worthless once it has expired.

// Defaults and bounds for TURN.
const (
	// DefaultTURNTTL is how long a handed-out credential stays valid: pages
	// get fresh ones every 45 minutes (three quarters of it), and one that
	// leaks from a page is worthless within the hour.
	DefaultTURNTTL = time.Hour
	// MinTURNTTL is the shortest TTL: fresh credentials go out when a
	// quarter of the TTL is left, and under 4 s that lead would be shorter
	// than the username's resolution of one second.
	MinTURNTTL = 4 * time.Second
)

// TURN configures the TURN servers roomcast hands out credentials for. With
// URLs and a secret, every peer gets, next to the static ICE servers, one
// RTCIceServer with these URLs and a credential of its own, and fresh ones
// before they expire.
type TURN struct {
	// URLs are the TURN servers' turn: and turns: URLs, e.g.
	// "turn:turn.example.com:3478" or "turns:turn.example.com:5349".
	// Default: none (no TURN credentials).
	URLs []string
	// Secret is the TURN server's shared secret (coturn's
	// static-auth-secret). Default: "".
	Secret string
	// SecretFile names a file holding the secret instead, so that it stays
	// out of the process list; surrounding whitespace (a final newline) is
	// not part of it. Default: "".
	SecretFile string
	// TTL is how long each credential is valid; fresh ones are sent when a
	// quarter of it is left. Default: 1h.
	TTL time.Duration
}

// DefaultTURN returns the defaults documented on each field.
func DefaultTURN() TURN { return TURN{TTL: DefaultTURNTTL} }

// enabled reports whether credentials are handed out.
func (t TURN) enabled() bool { return len(t.URLs) > 0 }

// Validate reports the first setting that cannot work.
func (t TURN) Validate() error {
	if !t.enabled() {
		if t.Secret != "" || t.SecretFile != "" {
			return errors.New("a TURN secret is set but no TURN URLs")
		}
		return nil
	}
	for _, u := range t.URLs {
		if !isTURNURL(u) {
			return fmt.Errorf("TURN URL %q is not turn: or turns: and a host", u)
		}
	}
	if t.Secret != "" && t.SecretFile != "" {
		return errors.New("both a TURN secret and a TURN secret file are set: give one")
	}
	if _, err := t.secret(); err != nil {
		return err
	}
	if t.TTL < MinTURNTTL {
		return fmt.Errorf("TURN TTL is %v, it must be at least %v", t.TTL, MinTURNTTL)
	}
	return nil
}

// secret is the shared secret, read from SecretFile when that is set.
func (t TURN) secret() ([]byte, error) {
	secret := t.Secret
	if t.SecretFile != "" {
		data, err := os.ReadFile(t.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("TURN secret file: %w", err)
		}
		secret = strings.TrimSpace(string(data))
	}
	if secret == "" {
		return nil, errors.New("TURN URLs are set but the TURN secret is empty")
	}
	return []byte(secret), nil
}

// isTURNURL reports whether u is a turn: or turns: URL with something
// after its scheme (RFC 7065; schemes are case-insensitive).
func isTURNURL(u string) bool {
	scheme, rest, found := strings.Cut(u, ":")
	scheme = strings.ToLower(scheme)
	return found && rest != "" && (scheme == "turn" || scheme == "turns")
}

// turnCredential is the credential for user that expires at expiry:
// username "<expiry in Unix seconds>:<user>" (coturn's default separator),
// password base64(HMAC-SHA1(secret, username)).
func turnCredential(secret []byte, user string, expiry time.Time) (username, password string) {
	username = strconv.FormatInt(expiry.Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// turnExpiry is when a credential issued at now expires: now plus ttl,
// rounded up to the second the username can express, so it is never valid
// for less than ttl.
func turnExpiry(now time.Time, ttl time.Duration) time.Time {
	end := now.Add(ttl)
	whole := time.Unix(end.Unix(), 0)
	if whole.Before(end) {
		whole = whole.Add(time.Second)
	}
	return whole
}

// turnRefreshInterval is how often a connected peer gets fresh
// credentials: when three quarters of the TTL have passed, so that the ones
// it holds are still valid for a quarter of it, time enough for the page to
// get them even over a slow polling connection.
func turnRefreshInterval(ttl time.Duration) time.Duration { return ttl - ttl/4 }
