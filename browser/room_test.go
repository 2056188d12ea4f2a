package browser

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// update rewrites the README's screenshot from TestFourPeople:
//
//	go test ./browser -run TestFourPeople -args -update
var update = flag.Bool("update", false, "write docs/room-4-people.png from TestFourPeople")

// leaveWithin is how fast the others must drop someone who closed their
// page: the closed socket reaches the server at once, so seconds, not the
// socket.io ping timeout.
const leaveWithin = 10 * time.Second

// allVideosPlayJS: every remote tile shows decoded frames, so media really
// flows (a data channel alone would connect too).
const allVideosPlayJS = `[...document.querySelectorAll("[data-peer-id] video")].every(v => v.videoWidth > 0)`

// TestTwoPeople: one person creates a room in the lobby and sends the invite
// link to another; they connect, chat both ways, and one hangs up and rejoins.
func TestTwoPeople(t *testing.T) {
	srv := startServer(t)
	ann := openPerson(t, "ann", srv.URL+"/", personOpts{})
	ann.run(t, "opening the lobby", chromedp.WaitVisible("#lobby-form", chromedp.ByQuery))
	requireNoSideScroll(t, ann)
	ann.run(t, "creating a room in the lobby",
		chromedp.SendKeys("#room-name", "physics", chromedp.ByQuery),
		chromedp.Click("#lobby-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#call", chromedp.ByQuery))
	var invite string
	ann.eval(t, `document.getElementById("invite-link").value`, &invite)
	if want := srv.URL + "/?room=physics"; invite != want {
		t.Fatalf("invite link %q, want %q", invite, want)
	}

	// Headless Chromium may refuse the clipboard; then the page selects the
	// link instead. Either way it says what happened, in the status line,
	// which "joined" also writes: wait for that first.
	annID := ann.selfID(t)
	ann.run(t, "copying the invite link", chromedp.Click("#copy-invite", chromedp.ByQuery))
	ann.waitFor(t, "the copy to be reported", `/^Invite link (copied|selected)/.test(document.getElementById("status").textContent)`)

	bob := openPerson(t, "bob", invite, personOpts{})
	bobID := bob.selfID(t)
	ann.waitConnected(t, 1)
	bob.waitConnected(t, 1)
	ann.requireTilesOf(t, bobID)
	bob.requireTilesOf(t, annID)

	requireNoSideScroll(t, bob)

	ann.say(t, "hello from ann")
	bob.waitChat(t, "hello from ann")
	bob.say(t, "hi ann, bob here")
	ann.waitChat(t, "hi ann, bob here")
	ann.waitChat(t, "You: hello from ann") // own lines too, labelled

	// Mute and camera off disable the tracks (the connection stays), and
	// the buttons then offer the way back.
	ann.run(t, "muting and turning the camera off",
		chromedp.Click("#toggle-mic", chromedp.ByQuery),
		chromedp.Click("#toggle-camera", chromedp.ByQuery))
	ann.waitFor(t, "muted mic and camera off", `(s => s.getAudioTracks()[0].enabled === false && s.getVideoTracks()[0].enabled === false)(window.roomcast.state.localStream)
		&& document.getElementById("toggle-mic").textContent === "Unmute mic"
		&& document.getElementById("toggle-camera").textContent === "Camera on"`)
	ann.run(t, "unmuting and turning the camera on",
		chromedp.Click("#toggle-mic", chromedp.ByQuery),
		chromedp.Click("#toggle-camera", chromedp.ByQuery))
	ann.waitFor(t, "mic and camera on", `window.roomcast.state.localStream.getTracks().every(t => t.enabled)
		&& document.getElementById("toggle-mic").textContent === "Mute mic"`)
	bob.waitConnected(t, 1)

	// Hang up: bob drops ann at once (hangup, then peer-left); Rejoin calls
	// bob again under a new id.
	ann.run(t, "hanging up", chromedp.Click("#hangup", chromedp.ByQuery))
	bob.waitWithin(t, leaveWithin, "ann's tile to go after her hang-up", tileGoneJS(annID))
	ann.waitFor(t, "the Rejoin button", `!document.getElementById("rejoin").hidden`)
	ann.run(t, "rejoining", chromedp.Click("#rejoin", chromedp.ByQuery))
	ann.waitFor(t, "a new id", fmt.Sprintf(`window.roomcast.state.selfId && window.roomcast.state.selfId !== %s`, jsString(annID)))
	ann.waitConnected(t, 1)
	bob.waitConnected(t, 1)
	ann.requireTilesOf(t, bobID)
	bob.requireTilesOf(t, ann.selfID(t))
}

// TestFourPeople: four people join at once and form a full mesh with video;
// one closes the page and disappears from the others; a new fourth joins.
func TestFourPeople(t *testing.T) {
	srv := startServer(t)
	url := srv.URL + "/?room=four"
	people := openPeople(t, []string{"p1", "p2", "p3", "p4"}, repeat(url, 4))
	ids := make([]string, len(people))
	for i, p := range people {
		ids[i] = p.selfID(t)
	}
	for i, p := range people {
		p.waitConnected(t, 3)
		p.requireTilesOf(t, without(ids, i)...)
	}
	for _, p := range people {
		p.waitFor(t, "video from every peer", allVideosPlayJS)
	}

	people[1].say(t, "Hello everyone!")
	people[0].say(t, "Hi! I can see all three of you.")
	for i, p := range people {
		if i != 1 {
			p.waitChat(t, "Hello everyone!")
		}
		if i != 0 {
			p.waitChat(t, "Hi! I can see all three of you.")
		}
	}
	if *update {
		writeDocScreenshot(t, people[0])
	}

	// p4 closes the page.
	people[3].leave(t)
	for _, p := range people[:3] {
		p.waitWithin(t, leaveWithin, "p4's tile to go", tileGoneJS(ids[3]))
		p.waitConnected(t, 2)
	}

	// Someone else takes the fourth seat.
	p5 := openPerson(t, "p5", url, personOpts{})
	ids[3] = p5.selfID(t)
	people[3] = p5
	for i, p := range people {
		p.waitConnected(t, 3)
		p.requireTilesOf(t, without(ids, i)...)
	}
}

// TestTwoRooms: two calls on one server never see each other, also when
// someone reloads the page (and comes back under a new id).
func TestTwoRooms(t *testing.T) {
	srv := startServer(t)
	roomA, roomB := srv.URL+"/?room=a", srv.URL+"/?room=b"
	people := openPeople(t, []string{"a1", "a2", "b1", "b2"}, []string{roomA, roomA, roomB, roomB})
	a1, a2, b1, b2 := people[0], people[1], people[2], people[3]
	idA1, idA2, idB1, idB2 := a1.selfID(t), a2.selfID(t), b1.selfID(t), b2.selfID(t)

	// The other room's ids, as seen while calls are being set up, when
	// connected, and after b2 came back under a new id.
	foreign := func() map[*person][]string {
		return map[*person][]string{a1: {idB1, idB2}, a2: {idB1, idB2}, b1: {idA1, idA2}, b2: {idA1, idA2}}
	}
	requireNoForeignTiles(t, foreign())

	for _, p := range people {
		p.waitConnected(t, 1)
	}
	requireNoForeignTiles(t, foreign())
	a1.requireTilesOf(t, idA2)
	a2.requireTilesOf(t, idA1)
	b1.requireTilesOf(t, idB2)
	b2.requireTilesOf(t, idB1)

	a1.say(t, "only for room a")
	a2.waitChat(t, "only for room a")

	// b2 reloads: a new socket, a new id, a new call with b1 only.
	b2.run(t, "reloading", chromedp.Reload())
	b2.waitFor(t, "a new id", fmt.Sprintf(`window.roomcast && window.roomcast.state.selfId && window.roomcast.state.selfId !== %s`, jsString(idB2)))
	oldB2 := idB2
	idB2 = b2.selfID(t)
	b1.waitTileGone(t, oldB2)
	requireNoForeignTiles(t, foreign())
	for _, p := range people {
		p.waitConnected(t, 1)
	}
	b1.requireTilesOf(t, idB2)
	b2.requireTilesOf(t, idB1)
	a1.requireTilesOf(t, idA2)
	a2.requireTilesOf(t, idA1)
	requireNoForeignTiles(t, foreign())

	for _, p := range []*person{b1, b2} {
		var lines []string
		p.eval(t, `[...document.querySelectorAll("#chat-log li")].map(li => li.textContent)`, &lines)
		if len(lines) != 0 {
			t.Errorf("%s (room b) has chat lines %q", p.name, lines)
		}
	}
}

// requireNoSideScroll checks that the page fits a 375px-wide phone without
// scrolling sideways, then gives the person their laptop back.
func requireNoSideScroll(t *testing.T, p *person) {
	t.Helper()
	p.run(t, "resizing to a phone", chromedp.EmulateViewport(375, 740))
	var overflow int
	p.eval(t, `document.documentElement.scrollWidth - document.documentElement.clientWidth`, &overflow)
	if overflow > 0 {
		t.Errorf("%s: at 375px the page is %dpx too wide\n%s", p.name, overflow, p.describe())
	}
	p.run(t, "resizing back", chromedp.EmulateViewport(viewportWidth, viewportHeight))
}

// requireNoForeignTiles fails if a page shows a tile of any id it must not.
func requireNoForeignTiles(t *testing.T, foreign map[*person][]string) {
	t.Helper()
	for p, ids := range foreign {
		for _, tl := range p.tiles(t) {
			if slices.Contains(ids, tl.id) {
				t.Fatalf("%s shows a tile of %s, who is in another room\n%s", p.name, tl.id, p.describe())
			}
		}
	}
}

// TestMediaDenied: people without a camera and microphone (none found, or
// permission refused) still join over the data channel, are told so, chat
// both ways, and still see the video of someone who has a camera.
func TestMediaDenied(t *testing.T) {
	srv := startServer(t)
	url := srv.URL + "/?room=text"
	// One after the other, so that every kind of pair is set up the same
	// way each run: seeing offers media to nodevice, which has none to send
	// back; refused offers to receive only, to nodevice and to seeing.
	nodevice := openPerson(t, "nodevice", url, personOpts{noMedia: true})
	nodevice.selfID(t)
	seeing := openPerson(t, "seeing", url, personOpts{})
	seeing.selfID(t)
	refused := openPerson(t, "refused", url, personOpts{refuseMedia: true})
	people := []*person{seeing, nodevice, refused}

	textOnly := map[*person]string{nodevice: "none was found", refused: "permission was denied"}
	for p, why := range textOnly {
		p.waitFor(t, "the text-only notice", fmt.Sprintf(
			`(n => !n.hidden && n.textContent.includes("text chat only") && n.textContent.includes(%s))(document.getElementById("media-notice"))`,
			jsString(why)))
		var buttonsOff bool
		p.eval(t, `document.getElementById("toggle-mic").disabled && document.getElementById("toggle-camera").disabled`, &buttonsOff)
		if !buttonsOff {
			t.Errorf("%s: the mic and camera buttons are enabled without media\n%s", p.name, p.describe())
		}
	}
	var noticeHidden bool
	seeing.eval(t, `document.getElementById("media-notice").hidden`, &noticeHidden)
	if !noticeHidden {
		t.Errorf("seeing: shows the text-only notice despite a camera\n%s", seeing.describe())
	}

	ids := make([]string, len(people))
	for i, p := range people {
		ids[i] = p.selfID(t)
	}
	for i, p := range people {
		p.waitConnected(t, 2)
		p.requireTilesOf(t, without(ids, i)...)
	}

	nodevice.say(t, "no camera here, but I can type")
	refused.say(t, "camera blocked, typing too")
	seeing.say(t, "and I can read you both")
	seeing.waitChat(t, "no camera here, but I can type")
	seeing.waitChat(t, "camera blocked, typing too")
	nodevice.waitChat(t, "camera blocked, typing too")
	refused.waitChat(t, "no camera here, but I can type")
	nodevice.waitChat(t, "and I can read you both")
	refused.waitChat(t, "and I can read you both")

	// Their offers asked to receive media even with none to send.
	for _, p := range []*person{nodevice, refused} {
		p.waitFor(t, "the video of the person with a camera", fmt.Sprintf(
			`document.querySelector('[data-peer-id="' + CSS.escape(%s) + '"] video').videoWidth > 0`, jsString(ids[0])))
	}
}

// writeDocScreenshot saves what p sees as the README's picture, once every
// video (their own included) shows frames.
func writeDocScreenshot(t *testing.T, p *person) {
	t.Helper()
	p.waitFor(t, "every video to show frames", `[...document.querySelectorAll("video")].every(v => v.videoWidth > 0 && !v.paused)`)
	png, err := p.screenshot()
	if err != nil {
		t.Fatalf("%s: screenshot: %v", p.name, err)
	}
	path := filepath.Join("..", "docs", "room-4-people.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// without is ids less ids[i]: everyone but person i.
func without(ids []string, i int) []string {
	return slices.Delete(slices.Clone(ids), i, i+1)
}
