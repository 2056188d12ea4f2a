// Package load is roomcast's load generator: socket.io clients that speak
// Engine.IO 4 / Socket.IO 5 frames over raw websockets, the benchmark
// scenarios, the servers under test, and the comparison report. The commands
// live in bench/loadgen.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// epoch is the shared clock of every timestamp the generator puts in an
// event: sender and receiver are in this process, so a receiver subtracts the
// sender's reading of the same monotonic clock.
var epoch = time.Now()

// now is monotonic nanoseconds since epoch.
func now() int64 { return int64(time.Since(epoch)) }

// Deadlines that bound every wait on the server.
const (
	dialTimeout = 10 * time.Second
	// writeTimeout bounds every write of a connection's life: it is set once,
	// as resetting it per write costs a timer update per event.
	writeTimeout   = 10 * time.Minute
	connectTimeout = 8 * time.Second // roomcast closes an unopened namespace after 5 s
)

// Client is one socket.io connection on the websocket transport.
type Client struct {
	Index int    // position in the scenario
	Room  string // the room it joins
	SID   string // its socket.io id, from the namespace connect ack

	conn *websocket.Conn
	wmu  sync.Mutex

	connected chan struct{} // closed by the namespace connect ack ("40{...}")
	joined    chan joinReply
	done      chan struct{} // closed when the read loop ends
	readErr   error

	amu  sync.Mutex
	acks map[int]chan json.RawMessage

	// onBench receives the bench events (42["ice",...]) on the read loop.
	onBench func(c *Client, frame []byte)
	// acksOK and acksErr count the acks nobody waits for (the relays'):
	// (null), and anything else.
	acksOK, acksErr atomic.Int64

	connectOnce sync.Once
	closing     atomic.Bool
}

// DialOptions describe one connection.
type DialOptions struct {
	// AuthRoom, when set, is sent as auth {room}: the server joins it at once
	// and answers with "joined".
	AuthRoom string
	// Index is the client's position in its scenario.
	Index int
	// OnBench receives every relayed bench event, on the read loop.
	OnBench func(c *Client, frame []byte)
}

type joinReply struct {
	err string // error code, "" on success
}

// dialer spreads connections over 127.0.0.x source addresses once the
// ephemeral ports of 127.0.0.1 run out. Loopback only.
type dialer struct {
	spread atomic.Bool
	next   atomic.Uint32
}

var loopback dialer

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	for range 2 {
		nd := net.Dialer{Timeout: dialTimeout}
		if d.spread.Load() {
			n := d.next.Add(1)
			nd.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, byte(n/250%250), byte(2+n%250))}
		}
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil && errors.Is(err, syscall.EADDRNOTAVAIL) && !d.spread.Load() {
			d.spread.Store(true)
			continue
		}
		return c, err
	}
	return nil, fmt.Errorf("dialing %s: out of local ports", addr)
}

// Dial opens a websocket to addr (host:port, loopback), reads the Engine.IO
// open packet and opens the main namespace, with auth {room} when authRoom is
// set. It returns once the namespace connect is acknowledged.
func Dial(ctx context.Context, addr string, o DialOptions) (*Client, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	d := websocket.Dialer{
		NetDialContext:   loopback.dial,
		HandshakeTimeout: dialTimeout,
		ReadBufferSize:   2048,
		WriteBufferSize:  2048,
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, _, err := d.DialContext(ctx, "ws://"+addr+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	c := &Client{
		Index: o.Index, Room: o.AuthRoom, conn: conn, onBench: o.OnBench,
		connected: make(chan struct{}), joined: make(chan joinReply, 4), done: make(chan struct{}),
		acks: make(map[int]chan json.RawMessage),
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetReadDeadline(deadline)
	_, open, err := conn.ReadMessage()
	if err != nil || len(open) == 0 || open[0] != '0' {
		conn.Close()
		return nil, fmt.Errorf("engine.io open packet: %q, %v", open, err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	connect := "40"
	if o.AuthRoom != "" {
		b, _ := json.Marshal(map[string]string{"room": o.AuthRoom})
		connect += string(b)
	}
	go c.readLoop()
	if err := c.Send([]byte(connect)); err != nil {
		c.Close()
		return nil, err
	}
	select {
	case <-c.connected:
		return c, nil
	case <-c.done:
		c.Close()
		return nil, fmt.Errorf("closed before the namespace connect ack: %v", c.readErr)
	case <-ctx.Done():
		c.Close()
		return nil, fmt.Errorf("no namespace connect ack within %v", connectTimeout)
	}
}

// checkLoopback refuses any address outside 127.0.0.0/8 and ::1: the
// generator only ever loads servers on this machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address; the load generator only targets this machine", addr)
	}
	return nil
}

// Send writes one Engine.IO packet as a websocket text frame.
func (c *Client) Send(packet []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.conn.WriteMessage(websocket.TextMessage, packet)
}

// Close closes the connection and waits for its read loop.
func (c *Client) Close() {
	c.closing.Store(true)
	c.conn.Close()
	<-c.done
}

// Done is closed when the connection is gone.
func (c *Client) Done() <-chan struct{} { return c.done }

// WaitJoined waits for the "joined" event of a handshake room.
func (c *Client) WaitJoined(ctx context.Context) error {
	select {
	case r := <-c.joined:
		if r.err != "" {
			return fmt.Errorf("join-error %s", r.err)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("connection closed before joined: %v", c.readErr)
	case <-ctx.Done():
		return fmt.Errorf("no joined event: %w", ctx.Err())
	}
}

// Emit sends 42[event, payload...] with an ack id and waits for the ack's
// arguments.
func (c *Client) EmitAck(ctx context.Context, id int, event string, args ...any) ([]json.RawMessage, error) {
	ch := make(chan json.RawMessage, 1)
	c.amu.Lock()
	c.acks[id] = ch
	c.amu.Unlock()
	defer func() {
		c.amu.Lock()
		delete(c.acks, id)
		c.amu.Unlock()
	}()
	b, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return nil, err
	}
	if err := c.Send(append([]byte("42"+strconv.Itoa(id)), b...)); err != nil {
		return nil, err
	}
	select {
	case raw := <-ch:
		var out []json.RawMessage
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, fmt.Errorf("ack %s: %w", raw, err)
		}
		return out, nil
	case <-c.done:
		return nil, fmt.Errorf("connection closed before the ack: %v", c.readErr)
	case <-ctx.Done():
		return nil, fmt.Errorf("no ack: %w", ctx.Err())
	}
}

func (c *Client) readLoop() {
	defer close(c.done)
	buf := make([]byte, 0, 1024)
	for {
		_, r, err := c.conn.NextReader()
		if err != nil {
			if !c.closing.Load() {
				c.readErr = err
			}
			return
		}
		buf, err = readInto(r, buf[:0])
		if err != nil {
			c.readErr = err
			return
		}
		c.handle(buf)
	}
}

func readInto(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

var benchPrefix = []byte(`42["` + BenchEvent + `",`)

func (c *Client) handle(p []byte) {
	if len(p) == 0 {
		return
	}
	switch p[0] {
	case '2': // ping
		_ = c.Send([]byte{'3'})
		return
	case '4':
	default: // open again, close, noop: nothing to do
		return
	}
	if len(p) < 2 {
		return
	}
	if bytes.HasPrefix(p, benchPrefix) {
		if c.onBench != nil {
			c.onBench(c, p)
		}
		return
	}
	body := p[2:]
	switch p[1] {
	case '0': // namespace connect ack: {"sid":...}
		var ack struct{ SID string }
		_ = json.Unmarshal(body, &ack)
		c.connectOnce.Do(func() {
			c.SID = ack.SID
			close(c.connected)
		})
	case '4': // connect_error
		c.readErr = fmt.Errorf("connect_error %s", body)
		c.conn.Close()
	case '2':
		c.event(body)
	case '3':
		i := 0
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i++
		}
		id, _ := strconv.Atoi(string(body[:i]))
		if bytes.Equal(body[i:], []byte("[null]")) {
			c.acksOK.Add(1)
		}
		c.amu.Lock()
		ch := c.acks[id]
		c.amu.Unlock()
		if ch != nil {
			ch <- json.RawMessage(bytes.Clone(body[i:]))
		} else if !bytes.Equal(body[i:], []byte("[null]")) {
			c.acksErr.Add(1)
		}
	}
}

// event handles the server's notifications; relayed bench events took the
// fast path before.
func (c *Client) event(body []byte) {
	var ev []json.RawMessage
	if json.Unmarshal(body, &ev) != nil || len(ev) == 0 {
		return
	}
	var name string
	_ = json.Unmarshal(ev[0], &name)
	switch name {
	case "joined":
		c.notifyJoined(joinReply{})
	case "join-error":
		var e struct{ Code string }
		if len(ev) > 1 {
			_ = json.Unmarshal(ev[1], &e)
		}
		c.notifyJoined(joinReply{err: e.Code})
	}
}

func (c *Client) notifyJoined(r joinReply) {
	select {
	case c.joined <- r:
	default: // nobody waits for that many
	}
}

// errorCode reads the code of a refusal ({code, message}), or "" for null.
func errorCode(raw json.RawMessage) string {
	if bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var e struct{ Code string }
	if json.Unmarshal(raw, &e) != nil || e.Code == "" {
		return "malformed ack " + string(raw)
	}
	return e.Code
}
