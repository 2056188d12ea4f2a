package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The call page through a real TURN server: coturn with a shared secret,
// roomcast handing out credentials of that secret, and pages that may use
// nothing but TURN (?ice=relay sets iceTransportPolicy "relay"), so that
// a connection proves the credentials work, and a wrong secret must fail.

const coturnSecret = "roomcast-browser-test-secret"

// relayRoom is the call page of room, restricted to TURN.
func relayRoom(srvURL, room string) string { return srvURL + "/?room=" + room + "&ice=relay" }

// startTURNServer runs roomcast handing out credentials for coturn with
// secret (from a file, as in production), valid for ttl.
func startTURNServer(t *testing.T, turn *coturn, secret string, ttl time.Duration) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "turn-secret")
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return startServer(t, "--turn-urls", turn.url, "--turn-secret-file", file, "--turn-ttl", ttl.String()).URL
}

// turnUsernameJS is the username of the TURN server the page holds now.
const turnUsernameJS = `((window.roomcast.state.iceServers.find(s => s.username) || {}).username || "")`

// turnUsername returns the TURN username the page holds, once it has one.
func (p *person) turnUsername(t *testing.T) string {
	t.Helper()
	p.waitFor(t, "TURN credentials", turnUsernameJS)
	var username string
	p.eval(t, turnUsernameJS, &username)
	return username
}

// selectedPairsJS lists, for each remote peer, the candidate types of the
// pair its connection uses: [id, local type, remote type].
const selectedPairsJS = `(async () => {
	const out = [];
	for (const peer of window.roomcast.state.peers.values()) {
		const stats = await peer.pc.getStats();
		let pair;
		stats.forEach((s) => { if (s.type === "transport" && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
		const local = pair && stats.get(pair.localCandidateId), remote = pair && stats.get(pair.remoteCandidateId);
		out.push([peer.id, local ? local.candidateType : "", remote ? remote.candidateType : ""]);
	}
	return out;
})()`

// requireRelayed checks that every connection of the page runs between two
// relayed candidates: through the TURN server, both ways.
func (p *person) requireRelayed(t *testing.T, peers int) {
	t.Helper()
	var pairs [][3]string
	p.eval(t, selectedPairsJS, &pairs)
	if len(pairs) != peers {
		t.Fatalf("%s has %d connections, want %d: %v", p.name, len(pairs), peers, pairs)
	}
	for _, pair := range pairs {
		if pair[1] != "relay" || pair[2] != "relay" {
			t.Errorf("%s's connection to %s uses a %q local and a %q remote candidate, want relay and relay", p.name, pair[0], pair[1], pair[2])
		}
	}
}

// turnExpiry is the expiry in a TURN username "<unix seconds>:<peer>".
func turnExpiry(t *testing.T, username string) time.Time {
	t.Helper()
	stamp, _, _ := strings.Cut(username, ":")
	sec, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		t.Fatalf("TURN username %q has no expiry: %v", username, err)
	}
	return time.Unix(sec, 0)
}

// TestCallThroughTURN: two people connect through coturn alone with
// roomcast's credentials. Their pages get fresh credentials before those
// expire; once the first ones have expired, a third person joins and
// everyone connects to her through TURN, with the fresh credentials
// (coturn refuses expired ones, so a page that kept its first credentials
// could not).
func TestCallThroughTURN(t *testing.T) {
	turn := startCoturn(t, coturnSecret)
	// Refreshed every 6 s; whatever a page holds is valid for 2 s more.
	const ttl = 8 * time.Second
	url := relayRoom(startTURNServer(t, turn, coturnSecret, ttl), "relayed")
	b := newTabBrowser(t)
	tabs := b.openTabs(t, []string{"ann", "bob"}, repeat(url, 2))
	first := map[*person]string{}
	for _, p := range tabs {
		first[p] = p.turnUsername(t)
		if _, peer, _ := strings.Cut(first[p], ":"); peer != p.selfID(t) {
			t.Fatalf("%s's TURN username %q does not name its socket id %s", p.name, first[p], p.selfID(t))
		}
	}
	for _, p := range tabs {
		p.waitConnected(t, 1)
		p.requireRelayed(t, 1)
		turn.waitAllocated(t, first[p])
	}

	// The refresh, then the expiry of the first credentials, in the pages'
	// own clock.
	expired := first[tabs[0]]
	for _, p := range tabs {
		p.waitFor(t, "fresh TURN credentials", fmt.Sprintf(`%s !== %s`, turnUsernameJS, jsString(first[p])))
		if turnExpiry(t, first[p]).After(turnExpiry(t, expired)) {
			expired = first[p]
		}
	}
	tabs[0].waitFor(t, "the first TURN credentials to expire", fmt.Sprintf(`Date.now() / 1000 > %d`, turnExpiry(t, expired).Unix()+1))

	carol := b.openTabs(t, []string{"carol"}, []string{url})[0]
	tabs = append(tabs, carol)
	for _, p := range tabs {
		p.waitConnected(t, 2)
		p.requireRelayed(t, 2)
		p.requireNoRefusal(t)
	}
}

// TestTURNWithWrongSecret: when roomcast's secret is not coturn's, coturn
// refuses every credential (401), the pages restricted to TURN find no way
// to each other, and their call never connects.
func TestTURNWithWrongSecret(t *testing.T) {
	turn := startCoturn(t, coturnSecret)
	url := relayRoom(startTURNServer(t, turn, "not-"+coturnSecret, time.Hour), "refused")
	tabs := newTabBrowser(t).openTabs(t, []string{"ann", "bob"}, repeat(url, 2))
	for _, p := range tabs {
		p.waitFor(t, "a connection to the other tab", `window.roomcast.state.peers.size === 1`)
		p.waitFor(t, "a 401 from the TURN server", `[...window.roomcast.state.peers.values()].every(p => p.iceErrors.some(e => e.errorCode === 401))`)
		p.waitFor(t, "the page to say so", `document.getElementById("status").textContent.includes("TURN server refused")`)
		p.waitFor(t, "ICE gathering to end", `[...window.roomcast.state.peers.values()].every(p => p.pc.iceGatheringState === "complete")`)
	}
	// Gathering is over on both sides without a single candidate: no pair
	// can ever be checked, so neither side can connect.
	for _, p := range tabs {
		var candidates int
		p.eval(t, `(async () => {
			let n = 0;
			for (const peer of window.roomcast.state.peers.values()) (await peer.pc.getStats()).forEach((s) => { if (s.type === "local-candidate") n++; });
			return n;
		})()`, &candidates)
		if candidates != 0 {
			t.Errorf("%s gathered %d candidates with refused credentials, want none", p.name, candidates)
		}
		for _, tl := range p.tiles(t) {
			if tl.state == "connected" {
				t.Errorf("%s's tile of %s is connected with refused credentials", p.name, tl.id)
			}
		}
		username := p.turnUsername(t)
		if !strings.Contains(turn.logs(), "user <"+username+">: incoming packet message processed, error 401") {
			t.Errorf("coturn did not refuse %s's credentials (%s) with 401:\n%s", p.name, username, turn.logs())
		}
	}
	if strings.Contains(turn.logs(), "ALLOCATE processed, success") {
		t.Errorf("coturn allocated a relay for a credential of the wrong secret:\n%s", turn.logs())
	}
}

// requireNoRefusal checks that no TURN or STUN server refused the page's
// credentials.
func (p *person) requireNoRefusal(t *testing.T) {
	t.Helper()
	var refusals []any
	p.eval(t, `[...window.roomcast.state.peers.values()].flatMap(p => p.iceErrors.filter(e => e.errorCode === 401))`, &refusals)
	if len(refusals) > 0 {
		t.Errorf("%s's credentials were refused: %v", p.name, refusals)
	}
}
