package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// simpleWebRTCBundle is SimpleWebRTC's own browser bundle, from npm: the page
// loads the library as its users do, with socket.io-client 1.3.7 inside.
var simpleWebRTCBundle = filepath.Join("..", "node_modules", "simplewebrtc", "simplewebrtc.bundle.js")

// TestPageSimpleWebRTC: a SimpleWebRTC 2.2.3 page (signalmaster's protocol:
// join acked with the room's clients, message with to, remove) calls in two
// rooms at once, both over a websocket from the start and with socket.io's
// default polling start; when one side closes, the other drops its video.
func TestPageSimpleWebRTC(t *testing.T) {
	if _, err := os.Stat(simpleWebRTCBundle); err != nil {
		t.Fatalf("SimpleWebRTC's bundle is missing (go tool task deps installs it): %v", err)
	}
	for _, transport := range []string{"websocket", "polling-first"} {
		t.Run(transport, func(t *testing.T) {
			srv := servePage(t, "simplewebrtc", simpleWebRTCBundle)
			b := newTabBrowser(t)
			rooms := []string{"simple-" + transport + "-a", "simple-" + transport + "-b"}
			address := func(room string) string {
				u := srv.URL + "/?room=" + room
				if transport == "websocket" {
					u += "&transport=websocket"
				}
				return u
			}
			// The second of a room calls those the join ack lists: open
			// the firsts and let them join before the seconds come.
			firsts := b.openTabs(t, names(rooms, "1"), addresses(rooms, address))
			waitReady(t, firsts...)
			seconds := b.openTabs(t, names(rooms, "2"), addresses(rooms, address))
			waitReady(t, seconds...)
			pairs := pairsOf(rooms, firsts, seconds)

			for _, pr := range pairs {
				first, second := evalString(t, pr.first, `window.selfId`), evalString(t, pr.second, `window.selfId`)
				for _, side := range []struct {
					p       *person
					partner string
				}{{pr.first, second}, {pr.second, first}} {
					side.p.waitFor(t, "the partner's video, connected and playing", remoteOnlyJS(side.partner))
					waitEvent(t, side.p, "stunservers", "Array.isArray(m)")
					requireFromOnly(t, side.p, side.partner, "signaling message")
				}
			}

			left := evalString(t, pairs[0].second, `window.selfId`)
			pairs[0].second.leave(t)
			pairs[0].first.waitWithin(t, leaveWithin, "the video of the one who left to go",
				fmt.Sprintf(`!(%s in window.remotes)`, jsString(left)))
			for _, p := range pairs[1].both() {
				var n int
				p.eval(t, `Object.values(window.remotes).filter((r) => r.state === "connected").length`, &n)
				if n != 1 {
					t.Errorf("%s: %d connected remotes after the other room's peer left, want 1\n%s", p.name, n, p.describe())
				}
			}
		})
	}
}

// remoteOnlyJS: the page shows exactly one remote, partner, whose connection
// is up and whose video shows frames.
func remoteOnlyJS(partner string) string {
	return fmt.Sprintf(`(ids => ids.length === 1 && ids[0] === %[1]s
		&& window.remotes[%[1]s].state === "connected"
		&& window.remotes[%[1]s].video.videoWidth > 0)(Object.keys(window.remotes))`, jsString(partner))
}
