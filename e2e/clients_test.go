package e2e

import (
	"fmt"
	"testing"
)

// clientVariant is one way a page can reach roomcast.
type clientVariant struct {
	name   string
	client string
	opts   map[string]any
}

var clientVariants = []clientVariant{
	{"v4 default (polling, then websocket)", clientV4, nil},
	{"v4 websocket only", clientV4, map[string]any{"transports": []string{"websocket"}}},
	{"v4 polling only", clientV4, map[string]any{"transports": []string{"polling"}}},
	{"v2 default (Engine.IO 3)", clientV2, nil},
	{"v2 polling only", clientV2, map[string]any{"transports": []string{"polling"}}},
	{"bundle served by roomcast", clientBundle, map[string]any{"transports": []string{"websocket"}}},
}

// Every client kind joins one room and signals every other kind.
func TestEveryClientVersionSignalsEveryOther(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	d := startDriver(t)
	peers := make([]*peer, len(clientVariants))
	for i, v := range clientVariants {
		peers[i] = d.connect(s, fmt.Sprintf("p%d", i), v.client, v.opts)
		peers[i].join(t, "mix")
	}
	for i, sender := range peers {
		ackOK(t, sender.call(t, "offer", map[string]any{"sdp": sender.name}))
		for j, receiver := range peers {
			if i == j {
				continue
			}
			got := payload(t, receiver.waitFor(t, func(r report) bool {
				return r.Type == "event" && r.Event == "offer" && string(r.Args[0]) != "" && containsSDP(r, sender.name)
			}, "offer from "+clientVariants[i].name))
			if got["from"] != sender.ID {
				t.Errorf("%s → %s: from = %v, want %s", clientVariants[i].name, clientVariants[j].name, got["from"], sender.ID)
			}
		}
	}
}

func containsSDP(r report, sdp string) bool {
	var m map[string]any
	return len(r.Args) > 0 && jsonInto(r.Args[0], &m) && m["sdp"] == sdp
}
