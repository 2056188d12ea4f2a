package server

import (
	"bufio"
	"encoding/binary"

	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// iceEvent is a trickled candidate as pages send it, about 200 bytes.
const iceEvent = `42["ice",{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.17 50000 typ srflx raddr 10.0.0.1 rport 50000 generation 0 ufrag b3nc network-cost 999","sdpMid":"0","sdpMLineIndex":0}]`

// BenchmarkRelayPath measures the whole relay path in one process: a
// client's websocket frame read and decoded, routed by the registry,
// encoded once with "from" stamped, queued on every recipient and written.
// The clients only write prepared frames and count the bytes they read, so
// what allocates is the server. One op is one sent event; the metrics count
// per delivered event.
func BenchmarkRelayPath(b *testing.B) {
	for _, bc := range []struct {
		name     string
		members  int
		to       bool
		recovery bool
	}{
		{"pairs", 2, false, false},
		{"classroom", 10, false, false},
		{"classroom/to-one", 10, true, false},
		// Connection state recovery (the default) logs what each client
		// gets, with an offset: its cost per event.
		{"pairs/recovery", 2, false, true},
		{"classroom/recovery", 10, false, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			room := newBenchRoom(b, bc.members, bc.recovery)
			event := iceEvent
			fanout := bc.members - 1
			if bc.to {
				event = strings.Replace(iceEvent, `{"candidate"`, `{"to":"`+room.ids[1]+`","candidate"`, 1)
				fanout = 1
			}
			frame := clientFrame([]byte(event))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			start := room.delivered.Load()
			for i := 0; i < b.N; i++ {
				if _, err := room.sender.Write(frame); err != nil {
					b.Fatal(err)
				}
				// A window keeps the queues far below their cap: a sender
				// that outruns its readers by a megabyte is a flood, and
				// its readers get closed as slow consumers.
				if i%window == window-1 {
					room.waitDelivered(b, start+int64((i+1-window)*fanout))
				}
			}
			room.waitDelivered(b, start+int64(b.N*fanout))
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(b.N*fanout)/b.Elapsed().Seconds(), "delivered/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*fanout), "allocs/delivered")
		})
	}
}

// window is how many events the benchmark sender may be ahead of delivery.
const window = 256

// benchRoom is one room of raw websocket clients on an in-process server.
type benchRoom struct {
	sender    net.Conn
	ids       []string
	delivered atomic.Int64 // frames the receivers read
}

func newBenchRoom(b *testing.B, members int, recovery bool) *benchRoom {
	b.Helper()
	srv := newTestServer(b, func(c *Config) {
		// The sender outruns any page on purpose: the rate limit would
		// refuse what the benchmark measures.
		c.Limits.EventRate, c.Limits.EventBurst = 1e9, 1e9
		if !recovery {
			c.Recovery.Window = 0
		}
	})
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	room := &benchRoom{}
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	for i := range members {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		if _, _, err := c.ReadMessage(); err != nil { // the open packet
			b.Fatal(err)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte(`40{"room":"bench"}`)); err != nil {
			b.Fatal(err)
		}
		_, msg, err := c.ReadMessage() // 40{"sid":…}
		if err != nil {
			b.Fatal(err)
		}
		room.ids = append(room.ids, string(msg[10:len(msg)-2]))
		if _, _, err := c.ReadMessage(); err != nil { // joined
			b.Fatal(err)
		}
		if i == 0 {
			room.sender = c.NetConn()
			go io.Copy(io.Discard, c.NetConn()) // peer-joined of the others
			continue
		}
		go room.count(c.NetConn())
	}
	// Receiver i gets a peer-joined for each member after it.
	joins := int64(0)
	for i := 1; i < members; i++ {
		joins += int64(members - 1 - i)
	}
	room.waitDelivered(b, joins)
	return room
}

// count reads a receiver's frames as they come and counts them.
func (r *benchRoom) count(c net.Conn) {
	br := bufio.NewReaderSize(c, 64<<10)
	var hdr [10]byte
	for {
		if _, err := io.ReadFull(br, hdr[:2]); err != nil {
			return
		}
		n := int64(hdr[1] & 0x7f)
		switch n {
		case 126:
			if _, err := io.ReadFull(br, hdr[2:4]); err != nil {
				return
			}
			n = int64(binary.BigEndian.Uint16(hdr[2:4]))
		case 127:
			if _, err := io.ReadFull(br, hdr[2:10]); err != nil {
				return
			}
			n = int64(binary.BigEndian.Uint64(hdr[2:10]))
		}
		if _, err := br.Discard(int(n)); err != nil {
			return
		}
		r.delivered.Add(1)
	}
}

func (r *benchRoom) waitDelivered(b *testing.B, want int64) {
	deadline := time.Now().Add(30 * time.Second)
	for r.delivered.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d frames, want %d", r.delivered.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// clientFrame masks payload as a client's text frame, with a fixed key.
func clientFrame(payload []byte) []byte {
	key := [4]byte{1, 2, 3, 4}
	f := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	default:
		f = binary.BigEndian.AppendUint16(append(f, 0x80|126), uint16(n))
	}
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i%4])
	}
	return f
}
