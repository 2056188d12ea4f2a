package transport

import (
	"encoding/binary"
	"sync"

	"github.com/roomcast/roomcast/internal/eio"
)

// Websocket opcodes the outbox frames with.
const (
	opText   = 1
	opBinary = 2
	opClose  = 8
)

// outbox is a connection's outbound queue: the packets waiting to be sent,
// already framed as the websocket frames a server sends (unmasked). A
// websocket writer sends the whole queue with one write, as is; a poll
// reads the frames back and encodes them as a polling payload. Holding
// frames rather than references lets the sender reuse its buffer at once,
// and lets an idle connection hold no buffer at all.
type outbox struct {
	buf *chunk // nil while empty
	max int
}

// add appends a packet of type t with data, framed for a session of
// version v. binary marks message data that is bytes, whose version 3 frame
// starts with the type byte. It reports false, adding nothing, when the
// queue would pass its cap.
func (o *outbox) add(t eio.Type, data []byte, binary bool, v eio.Version) bool {
	size := 1 + len(data)
	if binary && v == eio.V4 {
		size--
	}
	if o.len()+maxFrameHeader+size > o.max {
		return false
	}
	op := byte(opText)
	if binary {
		op = opBinary
	}
	b := appendFrameHeader(o.chunk().b, op, size)
	switch {
	case !binary:
		b = append(b, t.Digit())
	case v == eio.V3:
		b = append(b, byte(t))
	}
	o.buf.b = append(b, data...)
	return true
}

// fits reports whether a message and its attachments fit in the queue.
func (o *outbox) fits(pkt []byte, attachments [][]byte) bool {
	n := o.len() + maxFrameHeader + 1 + len(pkt)
	for _, a := range attachments {
		n += maxFrameHeader + 1 + len(a)
	}
	return n <= o.max
}

// addRaw appends frames another outbox framed.
func (o *outbox) addRaw(frames []byte) bool {
	if o.len()+len(frames) > o.max {
		return false
	}
	c := o.chunk()
	c.b = append(c.b, frames...)
	return true
}

// addClose appends a websocket close frame with a status code.
func (o *outbox) addClose(code uint16) {
	b := appendFrameHeader(o.chunk().b, opClose, 2)
	o.buf.b = binary.BigEndian.AppendUint16(b, code)
}

// chunk returns the queue's buffer, borrowing one for an empty queue.
func (o *outbox) chunk() *chunk {
	if o.buf == nil {
		o.buf = getChunk()
	}
	return o.buf
}

// take hands over the queued frames (nil when there are none) and leaves
// the queue empty. The caller returns the chunk with putChunk once it is
// written.
func (o *outbox) take() *chunk {
	c := o.buf
	o.buf = nil
	return c
}

func (o *outbox) len() int {
	if o.buf == nil {
		return 0
	}
	return len(o.buf.b)
}

func (o *outbox) empty() bool { return o.len() == 0 }

// drop discards the queue.
func (o *outbox) drop() { putChunk(o.take()) }

// maxFrameHeader is the longest header of a server frame: two bytes and a
// 64-bit length.
const maxFrameHeader = 10

func appendFrameHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op) // FIN: roomcast never fragments
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

// frames iterates over the frames of an outbox buffer.
type frames struct{ b []byte }

// next returns the next frame's opcode and payload.
func (f *frames) next() (op byte, payload []byte, ok bool) {
	if len(f.b) < 2 {
		return 0, nil, false
	}
	op, n, h := f.b[0]&0x0f, int(f.b[1]), 2
	switch n {
	case 126:
		n, h = int(binary.BigEndian.Uint16(f.b[2:])), 4
	case 127:
		n, h = int(binary.BigEndian.Uint64(f.b[2:])), 10
	}
	payload, f.b = f.b[h:h+n], f.b[h+n:]
	return op, payload, true
}

// Buffers: connections borrow them only while they have something queued or
// are reading, so idle connections hold none. Buffers that grew past
// maxPooledBuffer are left to the collector, so one burst does not pin
// memory forever.
const (
	initialBuffer   = 4 << 10
	maxPooledBuffer = 64 << 10
)

// chunk is a pooled buffer.
type chunk struct{ b []byte }

var chunks = sync.Pool{New: func() any { return &chunk{b: make([]byte, 0, initialBuffer)} }}

func getChunk() *chunk { return chunks.Get().(*chunk) }

func putChunk(c *chunk) {
	if c == nil || cap(c.b) > maxPooledBuffer {
		return
	}
	c.b = c.b[:0]
	chunks.Put(c)
}
