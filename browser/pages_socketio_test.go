package browser

import (
	"fmt"
	"testing"
)

// socketIOCall is how the tests drive both socket.io tutorial pages: two
// rooms of two tabs, each at the page's address with ?room=; the first of
// each room clicks Call once the other is ready, and both connect.
func socketIOCall(t *testing.T, page string, rooms []string) []pair {
	t.Helper()
	srv := servePage(t, page)
	b := newTabBrowser(t)
	address := func(room string) string { return srv.URL + "/?room=" + room }
	tabs := b.openTabs(t, append(names(rooms, "1"), names(rooms, "2")...),
		append(addresses(rooms, address), addresses(rooms, address)...))
	pairs := pairsOf(rooms, tabs[:len(rooms)], tabs[len(rooms):])
	waitReady(t, tabsOf(pairs)...)
	for _, pr := range pairs {
		click(t, pr.first, "#call")
	}
	waitState(t, "connected", tabsOf(pairs)...)
	return pairs
}

// socketID is the page's socket.io id, as the server knows it.
func socketID(t *testing.T, p *person) string {
	t.Helper()
	return evalString(t, p, `window.socket.id`)
}

// TestPageSocketIOMessage: a socket.io 0.9-2.x tutorial page, signaling
// with socket.json.send through `message` only and never joining (its room
// is in the server's address), calls through roomcast's own client bundle;
// two calls side by side stay apart, and `user disconnected` tells one side
// the other left.
func TestPageSocketIOMessage(t *testing.T) {
	pairs := socketIOCall(t, "socketio-message", []string{"message-a", "message-b"})
	for _, pr := range pairs {
		first, second := socketID(t, pr.first), socketID(t, pr.second)
		requireFromOnly(t, pr.first, second, "message")
		requireFromOnly(t, pr.second, first, "message")
	}

	left := socketID(t, pairs[0].second)
	pairs[0].second.leave(t)
	pairs[0].first.waitWithin(t, leaveWithin, "user disconnected of the other side", eventJS("user disconnected", fmt.Sprintf("m === %s", jsString(left))))
	waitState(t, "closed", pairs[0].first)
	requireState(t, "connected", pairs[1].both()...)
}

// TestPageSocketIOOfferAnswer: the common tutorial with one event per step
// (offer, answer, ice, hangup), broadcast in the room of the server's
// address; two calls side by side stay apart, and a hang-up ends the call on
// both sides of one room only.
func TestPageSocketIOOfferAnswer(t *testing.T) {
	pairs := socketIOCall(t, "socketio-offer-answer", []string{"steps-a", "steps-b"})
	for _, pr := range pairs {
		first, second := socketID(t, pr.first), socketID(t, pr.second)
		requireFromOnly(t, pr.first, second, "answer", "ice")
		requireFromOnly(t, pr.second, first, "offer", "ice")
	}

	click(t, pairs[0].second, "#hangup")
	waitEvent(t, pairs[0].first, "hangup", "true")
	waitState(t, "closed", pairs[0].both()...)
	requireState(t, "connected", pairs[1].both()...)
}
