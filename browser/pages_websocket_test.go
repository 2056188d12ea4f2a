package browser

import (
	"fmt"
	"net/url"
	"testing"
)

// wsTab is one tab of a raw WebSocket page: who it is and whom it calls.
type wsTab struct{ room, self, peer string }

// address is the tab's URL on srvURL; page reads its parameters.
func (w wsTab) address(srvURL string, selfParam string) string {
	return srvURL + "/?" + url.Values{"room": {w.room}, selfParam: {w.self}, "peer": {w.peer}}.Encode()
}

// wsPairs opens two rooms of a raw WebSocket page at once, caller and callee
// named after their room, so that a DataChannel or an offer that reached the
// wrong room would name it.
func wsPairs(t *testing.T, b *tabBrowser, srvURL, selfParam string, rooms []string) []pair {
	t.Helper()
	var tabNames, urls []string
	for _, room := range rooms {
		caller, callee := room+"-caller", room+"-callee"
		tabNames = append(tabNames, caller, callee)
		urls = append(urls,
			wsTab{room, caller, callee}.address(srvURL, selfParam),
			wsTab{room, callee, caller}.address(srvURL, selfParam))
	}
	tabs := b.openTabs(t, tabNames, urls)
	pairs := make([]pair, len(rooms))
	for i, room := range rooms {
		pairs[i] = pair{room: room, first: tabs[2*i], second: tabs[2*i+1]}
	}
	waitReady(t, tabs...)
	return pairs
}

// TestPageWebSocketInst: a raw WebSocket page of {inst: "init"} and {inst:
// "send", peerId, message} frames, the message delivered bare to the named
// peer. A tab asking for an id that is taken is refused with an error frame,
// and does not take the id from its owner: the call placed after it still
// reaches the owner, and the DataChannel greets across.
func TestPageWebSocketInst(t *testing.T) {
	srv := servePage(t, "websocket-inst")
	b := newTabBrowser(t)
	rooms := []string{"inst-a", "inst-b"}
	pairs := wsPairs(t, b, srv.URL, "id", rooms)

	thief := b.newTab(t, "inst-a-thief")
	if err := thief.open(wsTab{"inst-a", "inst-a-caller", "inst-a-callee"}.address(srv.URL, "id")); err != nil {
		t.Fatal(err)
	}
	waitState(t, "refused", thief)
	thief.waitFor(t, "the error's code and message", `typeof window.refusal.code === "string" && window.refusal.code !== "" && typeof window.refusal.message === "string" && window.refusal.message !== ""`)

	for _, pr := range pairs {
		click(t, pr.first, "#call")
	}
	for _, pr := range pairs {
		for _, dir := range [][2]*person{{pr.first, pr.second}, {pr.second, pr.first}} {
			hello := fmt.Sprintf("hello from %s in %s", dir[0].name, pr.room)
			dir[1].waitFor(t, "the DataChannel greeting "+hello, fmt.Sprintf(`window.received.includes(%s)`, jsString(hello)))
		}
		requireReceivedOnly(t, pr)
	}
	var thiefFrames int
	thief.eval(t, `window.events.filter(([e, m]) => e === "frame" && m.inst !== "error").length`, &thiefFrames)
	if thiefFrames != 0 {
		t.Errorf("the refused tab received %d signaling frames\n%s", thiefFrames, thief.describe())
	}
}

// requireReceivedOnly checks that each tab of the pair got over its
// DataChannel exactly the one greeting of its partner.
func requireReceivedOnly(t *testing.T, pr pair) {
	t.Helper()
	for _, dir := range [][2]*person{{pr.first, pr.second}, {pr.second, pr.first}} {
		var got []string
		dir[1].eval(t, `window.received`, &got)
		want := fmt.Sprintf("hello from %s in %s", dir[0].name, pr.room)
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s received %q over the DataChannel, want only %q", dir[1].name, got, want)
		}
	}
}

// TestPageWebSocketLogin: the classic raw WebSocket tutorial. Log in under a
// name, call another name; the offer arrives with the caller's name; an
// unknown type is answered with an error, a taken name with login success
// false; a hang-up sends leave, and a closed tab makes the server send its
// partner leave.
func TestPageWebSocketLogin(t *testing.T) {
	srv := servePage(t, "websocket-login")
	b := newTabBrowser(t)
	rooms := []string{"login-a", "login-b"}
	pairs := wsPairs(t, b, srv.URL, "name", rooms)
	for _, pr := range pairs {
		click(t, pr.first, "#call")
	}
	waitState(t, "connected", tabsOf(pairs)...)
	for _, pr := range pairs {
		var offerFrom []string
		pr.second.eval(t, `window.events.filter(([e, m]) => e === "received" && m.type === "offer").map(([, m]) => m.name)`, &offerFrom)
		if len(offerFrom) != 1 || offerFrom[0] != pr.first.name {
			t.Errorf("%s got offers from %q, want one from %s", pr.second.name, offerFrom, pr.first.name)
		}
	}

	a := pairs[0]
	a.first.eval(t, `window.conn.send(JSON.stringify({type: "no-such-command"})), true`, nil)
	waitEvent(t, a.first, "received", `m.type === "error" && m.message === "Command not found: no-such-command"`)

	taken := b.newTab(t, "login-a-taken")
	if err := taken.open(wsTab{"login-a", a.first.name, a.second.name}.address(srv.URL, "name")); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, taken, "received", `m.type === "login" && m.success === false`)
	waitState(t, "refused", taken)
	requireState(t, "connected", a.both()...)

	click(t, a.first, "#hangup")
	waitEvent(t, a.second, "received", `m.type === "leave"`)
	waitState(t, "closed", a.both()...)

	bp := pairs[1]
	bp.second.leave(t)
	bp.first.waitWithin(t, leaveWithin, "leave after the partner's tab closed", eventJS("received", `m.type === "leave"`))
	waitState(t, "closed", bp.first)
}
