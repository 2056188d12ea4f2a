package e2e

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// TURN credentials as the official client gets them, across nodes: the
// browser tests (browser/turn_test.go) prove them against a real coturn.

const e2eTURNSecret = "e2e-turn-secret"

// turnServer is an RTCIceServer with credentials.
type turnServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

// turnIn returns the one server with a username of an {iceServers} body.
func turnIn(t *testing.T, r report) turnServer {
	t.Helper()
	var body struct {
		ICEServers []turnServer `json:"iceServers"`
	}
	r.arg(t, 0, &body)
	var found []turnServer
	for _, s := range body.ICEServers {
		if s.Username != "" {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s %s: iceServers %+v, want one TURN server with credentials", r.Type, r.Event, body.ICEServers)
	}
	return found[0]
}

// wantCredential checks a TURN credential of peer p: coturn's REST scheme
// with the test's secret, expiring no earlier than notBefore.
func wantCredential(t *testing.T, s turnServer, p *peer, notBefore time.Time) {
	t.Helper()
	stamp, user, _ := strings.Cut(s.Username, ":")
	expiry, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || user != p.ID {
		t.Fatalf("TURN username %q, want <expiry>:%s", s.Username, p.ID)
	}
	if expiry < notBefore.Unix() {
		t.Errorf("TURN credential expires at %d, want %d or later", expiry, notBefore.Unix())
	}
	mac := hmac.New(sha1.New, []byte(e2eTURNSecret))
	mac.Write([]byte(s.Username))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); s.Credential != want {
		t.Errorf("TURN credential %q for %q, want %q", s.Credential, s.Username, want)
	}
}

// TestTURNCredentialsFollowARecoveryToAnotherNode: a client whose
// connection drops and comes back on another node recovers its socket
// there, and that node sends it fresh TURN credentials at once: the timer
// that refreshed them stayed on the node it left.
func TestTURNCredentialsFollowARecoveryToAnotherNode(t *testing.T) {
	t.Parallel()
	const ttl = time.Hour // no scheduled refresh during the test
	_, nodes := startCluster(t, 2, "--turn-urls", "turn:127.0.0.1:3478", "--turn-secret", e2eTURNSecret, "--turn-ttl", ttl.String())
	proxy := startProxy(t, nodes[0])
	d := startDriver(t)
	b := d.connect(nodes[1], "b", clientV4, inRoom("call"))
	b.next(t, "joined")
	a := d.connect(proxy.server(), "a", clientV4, recovering("call", "websocket"))
	wantCredential(t, turnIn(t, a.next(t, "joined")), a, time.Now().Add(ttl-time.Second))
	b.wantPeerEvent(t, "peer-joined", "call", a)

	// The network drops a; it comes back through the proxy, now to the
	// other node.
	proxy.cut()
	a.waitDisconnect(t)
	waitReadiness(t, nodes[0], waitTimeout, func(r roomcasttest.Readiness) bool { return r.Sessions == 0 })
	proxy.retarget(nodes[1])
	back := time.Now()
	proxy.release()
	a.waitRecovered(t)
	wantCredential(t, turnIn(t, a.next(t, "ice-servers")), a, back.Add(ttl))

	// Asked, the new node answers for it too.
	ack := a.call(t, "ice-servers")
	ackOK(t, ack)
	var body struct {
		ICEServers []turnServer `json:"iceServers"`
	}
	ack.arg(t, 1, &body)
	if len(body.ICEServers) != 1 {
		t.Fatalf("ice-servers ack %s, want one TURN server", ack.Args)
	}
	wantCredential(t, body.ICEServers[0], a, back.Add(ttl))
	wantStillInCall(t, a, b)
}
