package browser

import (
	"fmt"
	"net/url"
	"testing"
)

// codelabRooms opens a codelab step in two rooms: each room's first tab,
// which the server must answer with created(room, id), then each room's
// second, answered with joined(room, id). address gives a tab's URL.
func codelabRooms(t *testing.T, b *tabBrowser, rooms []string, address func(room string) string) []pair {
	t.Helper()
	firsts := b.openTabs(t, names(rooms, "1"), addresses(rooms, address))
	for i, p := range firsts {
		waitEvent(t, p, "created", fmt.Sprintf("m[0] === %s && m[1] === window.socket.id", jsString(rooms[i])))
	}
	seconds := b.openTabs(t, names(rooms, "2"), addresses(rooms, address))
	for i, p := range seconds {
		waitEvent(t, p, "joined", fmt.Sprintf("m[0] === %s && m[1] === window.socket.id", jsString(rooms[i])))
	}
	return pairsOf(rooms, firsts, seconds)
}

// requireFull opens a third tab in each room and waits for full(room).
func requireFull(t *testing.T, b *tabBrowser, rooms []string, address func(room string) string) {
	t.Helper()
	thirds := b.openTabs(t, names(rooms, "3"), addresses(rooms, address))
	for i, p := range thirds {
		waitEvent(t, p, "full", "m[0] === "+jsString(rooms[i]))
		waitState(t, "full", p)
		for _, e := range []string{"created", "joined"} {
			if got := payloads(t, p, e); len(got) != 0 {
				t.Errorf("%s was refused with full, but also got %s %v", p.name, e, got)
			}
		}
	}
}

// TestPageCodelabStep4: the codelab's signaling step. The first in a room
// hears created, then join when the second arrives; the second hears joined;
// both hear ready; a third hears full. The server's log lines arrive as
// arrays, and nothing crosses between the two rooms.
func TestPageCodelabStep4(t *testing.T) {
	srv := servePage(t, "codelab-step-04")
	b := newTabBrowser(t)
	rooms := []string{"codelab4-a", "codelab4-b"}
	address := func(room string) string { return srv.URL + "/?room=" + room }
	pairs := codelabRooms(t, b, rooms, address)
	for _, pr := range pairs {
		inRoom := "m[0] === " + jsString(pr.room)
		waitEvent(t, pr.first, "join", inRoom)
		for _, p := range pr.both() {
			waitEvent(t, p, "ready", inRoom)
			waitEvent(t, p, "log", "Array.isArray(m) && m.length > 0")
			var foreign []any
			p.eval(t, fmt.Sprintf(`window.events.filter(([e, m]) => ["created", "joined", "join", "ready", "full"].includes(e) && m[0] !== %s)`, jsString(pr.room)), &foreign)
			if len(foreign) != 0 {
				t.Errorf("%s got events of another room: %v", p.name, foreign)
			}
		}
	}
	requireFull(t, b, rooms, address)
}

// TestPageCodelabStep5: the codelab's video call, signaled with `message`
// objects and strings relayed within the room; a third tab is refused; a
// side that leaves says bye, which ends the call on the other side.
func TestPageCodelabStep5(t *testing.T) {
	srv := servePage(t, "codelab-step-05")
	b := newTabBrowser(t)
	rooms := []string{"codelab5-a", "codelab5-b"}
	address := func(room string) string { return srv.URL + "/?room=" + room }
	pairs := codelabRooms(t, b, rooms, address)
	waitState(t, "connected", tabsOf(pairs)...)
	for _, pr := range pairs {
		requireFromOnly(t, pr.first, socketID(t, pr.second), "message")
		requireFromOnly(t, pr.second, socketID(t, pr.first), "message")
	}
	requireFull(t, b, rooms, address)
	requireState(t, "connected", tabsOf(pairs)...)

	leavePage(t, pairs[0].second)
	pairs[0].first.waitWithin(t, leaveWithin, "bye", eventJS("message", `m === "bye"`))
	waitState(t, "closed", pairs[0].first)
	requireState(t, "connected", pairs[1].both()...)
}

// photoJS: a photo from the fake camera arrived whole over the DataChannel.
const photoJS = `window.received.some((m) => /^photo of [1-9][0-9]* bytes$/.test(m))`

// sendPhotoReadyJS: the DataChannel is open and the camera shows frames, so
// Snap & Send has a picture to send.
const sendPhotoReadyJS = `!document.getElementById("snapAndSend").disabled && document.getElementById("camera").videoWidth > 0`

// TestPageCodelabStep6: the codelab's photo sharing over a DataChannel, the
// room in the address's hash: photos cross both ways in two rooms at once, a
// third tab is refused, ipaddr is answered with the server's addresses, and
// one who leaves says bye(room).
func TestPageCodelabStep6(t *testing.T) {
	srv := servePage(t, "codelab-step-06")
	b := newTabBrowser(t)
	rooms := []string{"codelab6-a", "codelab6-b"}
	address := func(room string) string { return srv.URL + "/#" + room }
	pairs := codelabRooms(t, b, rooms, address)
	waitState(t, "connected", tabsOf(pairs)...)
	for _, pr := range pairs {
		for _, dir := range [][2]*person{{pr.first, pr.second}, {pr.second, pr.first}} {
			from, to := dir[0], dir[1]
			from.waitFor(t, "Snap & Send to be possible", sendPhotoReadyJS)
			click(t, from, "#snapAndSend")
			to.waitFor(t, "the photo from "+from.name, photoJS)
		}
		requireFromOnly(t, pr.first, socketID(t, pr.second), "message")
		requireFromOnly(t, pr.second, socketID(t, pr.first), "message")
	}
	requireIPAddr(t, pairs[0].first, srv.URL)
	requireFull(t, b, rooms, address)

	leavePage(t, pairs[0].second)
	pairs[0].first.waitWithin(t, leaveWithin, "bye", eventJS("bye", "true"))
	requireState(t, "connected", pairs[1].both()...)
}

// requireIPAddr checks the answer to the page's ipaddr request: unlike the
// codelab's own server, which lists the machine's interface addresses,
// roomcast answers once with the host the page reached it by, and so tells
// strangers nothing about its network.
func requireIPAddr(t *testing.T, p *person, serverURL string) {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, "the ipaddr answer", `window.events.some(([e]) => e === "ipaddr")`)
	answers := payloads(t, p, "ipaddr")
	if len(answers) != 1 {
		t.Fatalf("%s: %d ipaddr answers %v, want one", p.name, len(answers), answers)
	}
	args, _ := answers[0].([]any)
	if len(args) == 0 || fmt.Sprint(args[0]) != u.Hostname() {
		t.Errorf("%s: ipaddr %v, want the host the page used, %s", p.name, answers[0], u.Hostname())
	}
}
