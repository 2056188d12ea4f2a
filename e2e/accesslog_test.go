package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// logRecord is one JSON line of the server's log.
type logRecord struct {
	Level, Msg, Transport, Reason, Remote string
	EIO                                   int
	Duration                              *int64 // nanoseconds
}

// infoRecords returns the info-level (and above) records of a server's log.
func infoRecords(logs string) []logRecord {
	var records []logRecord
	for _, line := range strings.Split(logs, "\n") {
		var r logRecord
		if line == "" || json.Unmarshal([]byte(line), &r) != nil {
			continue
		}
		if r.Level != "DEBUG" {
			records = append(records, r)
		}
	}
	return records
}

// TestAccessLog: at info level, the server logs each connection once as
// it opens and once as it closes (with transport, protocol version,
// duration and reason), and nothing per relayed event.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	s := startServer(t, append([]string{"--log-level", "info"}, exactArgs...)...)
	d := startDriver(t)
	a := d.connect(s, "a", clientV4, map[string]any{"transports": []string{"websocket"}, "auth": map[string]any{"room": "log"}})
	b := d.connect(s, "b", clientV2, inRoom("log"))
	a.next(t, "joined")
	b.next(t, "joined")
	b.waitUpgrade(t)
	const events = 40
	for i := range events {
		ackOK(t, a.call(t, "ice", map[string]any{"n": i}))
	}
	for range events {
		b.next(t, "ice")
	}
	a.close()
	b.close()

	var records []logRecord
	closedLines := 0
	waitLogs(t, s, func(logs string) bool {
		records, closedLines = infoRecords(logs), 0
		for _, r := range records {
			if r.Msg == "connection closed" {
				closedLines++
			}
		}
		return closedLines >= 2
	}, func() string { return fmt.Sprintf("only %d connection closed lines; log:\n%s", closedLines, s.Logs()) })
	opened := map[string]int{}
	closed := map[string]logRecord{}
	for _, r := range records {
		switch r.Msg {
		case "listening":
		case "connection opened":
			opened[r.Transport+"/"+string(rune('0'+r.EIO))]++
			if r.Remote == "" {
				t.Errorf("opened line without remote: %+v", r)
			}
		case "connection closed":
			closed[r.Transport+"/"+string(rune('0'+r.EIO))] = r
			if r.Duration == nil || *r.Duration <= 0 || r.Reason == "" || r.Remote == "" {
				t.Errorf("closed line without duration, reason or remote: %+v", r)
			}
		default:
			t.Errorf("info line %q: at info level the server logs connections, not events", r.Msg)
		}
	}
	// a opened on websocket; b opened polling and closed on the websocket
	// it upgraded to.
	if opened["websocket/4"] != 1 || opened["polling/3"] != 1 || len(opened) != 2 {
		t.Errorf("opened lines by transport/eio: %v, want websocket/4 and polling/3 once each", opened)
	}
	if _, ok := closed["websocket/4"]; !ok || len(closed) != 2 {
		t.Errorf("closed lines: %v, want websocket/4 and websocket/3", closed)
	}
	if _, ok := closed["websocket/3"]; !ok {
		t.Errorf("closed lines: %v, want websocket/3 (b after its upgrade)", closed)
	}
}
