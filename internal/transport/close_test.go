package transport

import (
	"context"
	"net/http"
	"testing"
)

// TestServerClose closes every kind of session, answers a pending GET with
// a close packet and returns only after every Disconnect.
func TestServerClose(t *testing.T) {
	ts := newTestServer(t)
	var peers []*peer
	var clients []client
	for _, v := range variants {
		c := ts.open(t, v)
		peers = append(peers, ts.connect(t, c, v, ""))
		clients = append(clients, c)
	}
	poller := clients[0].(*pollClient)
	pending := make(chan response, 1)
	go func() { pending <- poller.poll(t) }()
	ts.waitPollPending(t, poller.sid())

	ts.srv.Close()
	for _, p := range peers {
		select {
		case reason := <-p.disconnected:
			if reason != ReasonServerShuttingDown {
				t.Fatalf("Disconnect reason %q, want %q", reason, ReasonServerShuttingDown)
			}
		default:
			t.Fatalf("Close returned before the Disconnect of socket %s", p.sock.ID())
		}
	}
	if res := <-pending; string(res.body) != "1" {
		t.Fatalf("the pending GET answered %q, want the close packet", res.body)
	}
	for _, c := range clients {
		c.waitClosed(t)
	}
	if ts.sessionCount() != 0 {
		t.Fatal("sessions left after Close")
	}
}

// TestAbandonedPoll: a GET the client gives up on frees the session's one
// GET slot; the next GET is no concurrent one.
func TestAbandonedPoll(t *testing.T) {
	ts := newTestServer(t)
	c := ts.openPolling(t, variants[0])
	p := ts.connect(t, c, variants[0], "")
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+"?"+c.query(), nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := ts.client.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	ts.waitPollPending(t, c.sid())
	cancel()
	<-done
	waitUntil(t, "the server lets the GET go", func() bool {
		return ts.sessionState(c.sid(), func(s *session) bool { return !s.getWaiting })
	})
	p.sock.Emit("kept")
	expect(t, c, txt(`42["kept"]`))
}
