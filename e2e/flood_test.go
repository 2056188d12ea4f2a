package e2e

// Clients that hold the server's resources by being slow: a reader that
// never reads, and HTTP requests whose headers trickle in. Each is cut off
// by a bound, and nobody else waits for it.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/roomcasttest"
)

// Sizes of the slow-reader test.
const (
	// bigFrame is the size of each message the slow reader is sent: under
	// the default 64 KiB message limit.
	bigFrame = 60_000
	// queueBound is the outbound queue of one connection, 1 MiB
	// (transport.DefaultMaxQueuedBytes).
	queueBound = 1 << 20
	// slowReceiveBuffer is the slow reader's socket receive buffer, small
	// so that the server's queue fills after little data.
	slowReceiveBuffer = 4 << 10
	// relayWindow is how many messages the sender may be ahead of the
	// reading member: that member then never falls behind, and its latency
	// is the server's alone.
	relayWindow = 4
	// relayLatencyBound is the longest a message may take to reach the
	// reading member while the slow one is being cut off: far under the
	// 10 s write timeout a room blocked on it would wait.
	relayLatencyBound = 2 * time.Second
	// afterCutOff is how many messages the room keeps relaying after the
	// cut-off, to see it unaffected.
	afterCutOff = 10
)

// neverReadingDialer dials with a tiny socket receive buffer, for a client
// that never reads: the server's writes then back up at once.
var neverReadingDialer = &websocket.Dialer{
	HandshakeTimeout: waitTimeout,
	NetDial: func(network, addr string) (net.Conn, error) {
		d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var err error
			if cerr := c.Control(func(fd uintptr) {
				err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, slowReceiveBuffer)
			}); cerr != nil {
				return cerr
			}
			return err
		}}
		return d.Dial(network, addr)
	},
}

// maxSendBuffer is the most a TCP socket of this machine buffers for
// sending (tcp_wmem's maximum): a server's writes to a reader that never
// reads sit there before they back up into its queue.
func maxSendBuffer(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	fields := strings.Fields(string(data))
	if err != nil || len(fields) != 3 {
		t.Fatalf("reading tcp_wmem: %q, %v", data, err)
	}
	n, err := strconv.Atoi(fields[2])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// slowRoom is a room with a member that never reads, a member that
// reads, and a sender; how each dialect sends and reads.
type slowRoom struct {
	// send sends message seq, a big frame, reaching the slow member and a
	// numbered one reaching the reader.
	send func(seq int)
	// read returns the reader's next numbered message, skipping the rest.
	read func() (seq int, err error)
	// close closes the reader and the sender.
	close func()
}

// A member that never reads is disconnected once its queue passes its
// bound, counted in /readyz as a slow consumer, and its room goes on
// relaying to the others without waiting for it — over socket.io and on
// the raw endpoint.
func TestSlowReaderIsCutOffWithoutSlowingItsRoom(t *testing.T) {
	t.Parallel()
	rooms := []struct {
		name string
		open func(t *testing.T, s *server) slowRoom
	}{
		{"socket.io websocket", slowSocketIORoom},
		{"raw endpoint", slowRawRoom},
	}
	for _, tc := range rooms {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, "--event-rate", "10000", "--event-burst", "10000")
			room := tc.open(t, s)
			bound := slowMemberBound(t)
			sent, cutAt := relayPastSlowMember(t, s, room, bound, 0)
			t.Logf("cut off after %d messages (%d KB) of %d KB allowed", cutAt, cutAt*bigFrame>>10, bound>>10)
			if r := s.Readiness(t); r.SlowConsumers != 1 {
				t.Fatalf("readyz %+v after %d messages, want slow_consumers 1", r, sent)
			}
		})
	}
}

// slowMemberBound is how much may be sent to a member that never reads
// before it is cut off: its queue, the batch its writer took from the
// queue (at most a queue's worth), the socket buffers on the way, and the
// messages the sender is ahead.
func slowMemberBound(t *testing.T) int {
	return 2*queueBound + maxSendBuffer(t) + 2*slowReceiveBuffer + 2*relayWindow*bigFrame
}

// relayPastSlowMember sends messages until the slow member is cut off
// (/readyz counts more than the slow consumers it counted before) and
// afterCutOff more, checking that every one reaches the reader, in order,
// within relayLatencyBound. It fails if the cut-off has not come once
// bound bytes were sent to the slow member.
func relayPastSlowMember(t *testing.T, s *server, room slowRoom, bound, before int) (sent, cutAt int) {
	t.Helper()
	var sentAt []time.Time
	var worst time.Duration
	received := 0
	receive := func() {
		seq, err := room.read()
		if err != nil || seq != received {
			t.Fatalf("the reader got message %d (%v), want %d: lost or out of order", seq, err, received)
		}
		if d := time.Since(sentAt[seq]); d > worst {
			worst = d
		}
		received++
	}
	for cutAt == 0 || len(sentAt) < cutAt+afterCutOff {
		if len(sentAt)*bigFrame > bound && cutAt == 0 {
			t.Fatalf("the slow member was not cut off after %d KB, past its bound of %d KB", len(sentAt)*bigFrame>>10, bound>>10)
		}
		if len(sentAt) >= relayWindow {
			receive()
		}
		sentAt = append(sentAt, time.Now())
		room.send(len(sentAt) - 1)
		if cutAt == 0 && s.Readiness(t).SlowConsumers > before {
			cutAt = len(sentAt)
		}
	}
	for received < len(sentAt) {
		receive()
	}
	t.Logf("%d messages, the slowest reached the reader in %v", len(sentAt), worst.Round(time.Millisecond))
	if worst > relayLatencyBound {
		t.Fatalf("a message took %v to reach the reader, over %v: the room waited for its slow member", worst, relayLatencyBound)
	}
	return len(sentAt), cutAt
}

// slowSocketIORoom: three hand-driven websocket sessions in a room; every
// message the sender relays reaches both others.
func slowSocketIORoom(t *testing.T, s *server) slowRoom {
	query := "&room=slow"
	slow, err := dialWebsocketSession(s, query, nil, neverReadingDialer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(slow.close)
	slow.send(textPacket("40")) // and never reads again
	reader := connectedSession(t, s, overWebsocket, query)
	sender := connectedSession(t, s, overWebsocket, query)
	pad := strings.Repeat("x", bigFrame)
	return slowRoom{
		send: func(seq int) { sender.send(textPacket(fmt.Sprintf(`42["message",{"seq":%d,"pad":"%s"}]`, seq, pad))) },
		read: func() (int, error) {
			pkt, err := awaitPacket(reader, `42["message"`)
			if err != nil {
				return -1, err
			}
			var args []json.RawMessage
			var m struct{ Seq *int }
			if json.Unmarshal([]byte(pkt[2:]), &args) != nil || len(args) < 2 || json.Unmarshal(args[1], &m) != nil || m.Seq == nil {
				return -1, fmt.Errorf("relayed %.80q", pkt)
			}
			return *m.Seq, nil
		},
		close: func() { reader.close(); sender.close() },
	}
}

// slowRawRoom: three raw pages in a room; the sender sends each message
// to the slow page, and a numbered one to the reader.
func slowRawRoom(t *testing.T, s *server) slowRoom {
	slow, err := openRawPage(s, "slow", neverReadingDialer, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slow.conn.Close() })
	slow.init(t, "slow") // and never reads again
	reader := rawPageIn(t, s, "slow", "reader")
	sender := rawPageIn(t, s, "slow", "sender")
	big := fmt.Sprintf(`{"inst":"send","peerId":"slow","message":"%s"}`, strings.Repeat("x", bigFrame))
	return slowRoom{
		send: func(seq int) {
			sender.sendText(t, big)
			sender.sendText(t, fmt.Sprintf(`{"inst":"send","peerId":"reader","message":{"seq":%d}}`, seq))
		},
		read: func() (int, error) {
			frame, closed, err := reader.read()
			if err != nil || closed {
				return -1, fmt.Errorf("reader: closed %v, %v", closed, err)
			}
			var m struct{ Seq *int }
			if json.Unmarshal([]byte(frame), &m) != nil || m.Seq == nil {
				return -1, fmt.Errorf("reader got %.80q", frame)
			}
			return *m.Seq, nil
		},
		close: func() { closeFrame(reader.conn); closeFrame(sender.conn) },
	}
}

// Sizes of the slow-loris test.
const (
	// lorisConnections trickle their request headers at once.
	lorisConnections = 300
	// lorisTrickle is how often each sends another header line: the
	// connection is never idle, only slow.
	lorisTrickle = 100 * time.Millisecond
	// lorisReadHeaderTimeout is the test's --read-header-timeout.
	lorisReadHeaderTimeout = time.Second
	// lorisSlack is how much later than the timeout a connection may be
	// closed, on a busy machine.
	lorisSlack = 2 * time.Second
)

// Hundreds of requests whose headers trickle in, a line at a time, are all
// closed by --read-header-timeout, and the goroutines and descriptors they
// held are given back.
func TestSlowLorisHeadersAreCutOff(t *testing.T) {
	t.Parallel()
	s := startProductionServer(t, "--read-header-timeout", lorisReadHeaderTimeout.String(), "--debug-endpoints")
	before := s.Runtime(t)
	last := slowLoris(t, s, lorisConnections)
	t.Logf("the last trickling request was closed %v after it began", last.Round(time.Millisecond))
	if last > lorisReadHeaderTimeout+lorisSlack {
		t.Fatalf("a trickling request was closed %v after it began, --read-header-timeout is %v", last, lorisReadHeaderTimeout)
	}
	released := func(r roomcasttest.Runtime) bool {
		return r.Goroutines <= before.Goroutines+releaseSlack && r.OpenFDs <= before.OpenFDs+releaseSlack
	}
	if after := s.WaitRuntime(t, waitTimeout, released); !released(after) {
		t.Fatalf("after the trickling requests were closed: %+v, started at %+v\n%s", after, before, s.GoroutineStacks(t))
	}
}

// slowLoris opens n connections that trickle request headers, waits until
// the server has closed them all, and returns the longest any was open.
func slowLoris(t *testing.T, s *server, n int) time.Duration {
	t.Helper()
	closedAfter := make(chan time.Duration, n)
	for i := 0; i < n; i++ {
		conn, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		t.Cleanup(func() { conn.Close() })
		go trickleHeaders(conn, closedAfter)
	}
	deadline := time.After(lorisReadHeaderTimeout + lorisSlack + waitTimeout)
	var last time.Duration
	for i := 0; i < n; i++ {
		select {
		case d := <-closedAfter:
			last = max(last, d)
		case <-deadline:
			t.Fatalf("%d of %d trickling requests still open", n-i, n)
		}
	}
	return last
}

// trickleHeaders starts a request and sends a header line every
// lorisTrickle until the server closes the connection, then reports how
// long that took.
func trickleHeaders(conn net.Conn, closedAfter chan<- time.Duration) {
	start := time.Now()
	closed := make(chan struct{})
	go func() { // the server's close shows as the end of the stream
		_, _ = bufio.NewReader(conn).ReadString(0)
		close(closed)
	}()
	_, _ = conn.Write([]byte("GET / HTTP/1.1\r\nHost: roomcast\r\n"))
	tick := time.NewTicker(lorisTrickle)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-closed:
			closedAfter <- time.Since(start)
			return
		case <-tick.C:
			_, _ = fmt.Fprintf(conn, "X-Trickle-%d: %d\r\n", i, i)
		}
	}
}
