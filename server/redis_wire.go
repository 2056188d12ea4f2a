package server

import (
	"encoding/binary"
	"errors"

	"github.com/roomcast/roomcast/rooms"
)

// What nodes send each other through Redis: one message per publish, in a
// compact binary form (the packets inside are socket.io's own bytes, which
// JSON or base64 would only copy and inflate).
//
//	room:  kind, origin node, space, except, index, scope rooms, packet, attachments
//	peer:  kind, origin node, peer, packet, attachments
//	gone:  kind, origin node, space, peer, index, scope rooms
//
// Strings and byte slices are uvarint-length-prefixed; counts are uvarints.
const (
	wireRoom byte = 1 + iota
	wirePeer
	wireGone
)

// wireMessage is one decoded message.
type wireMessage struct {
	kind        byte
	origin      string
	space       rooms.Space
	peer        rooms.PeerID // except for room messages, the target for peer, the departed for gone
	index       int
	scope       []string
	pkt         []byte
	attachments [][]byte
}

var errWire = errors.New("a malformed message between nodes")

func appendRoomMessage(dst []byte, origin string, space rooms.Space, scope []string, index int, except rooms.PeerID, pkt []byte, attachments [][]byte) []byte {
	dst = appendWireString(append(dst, wireRoom), origin)
	dst = appendWireString(append(dst, byte(space)), string(except))
	dst = binary.AppendUvarint(dst, uint64(index))
	dst = appendWireStrings(dst, scope)
	return appendWirePacket(dst, pkt, attachments)
}

func appendPeerMessage(dst []byte, origin string, id rooms.PeerID, pkt []byte, attachments [][]byte) []byte {
	dst = appendWireString(append(dst, wirePeer), origin)
	dst = appendWireString(dst, string(id))
	return appendWirePacket(dst, pkt, attachments)
}

func appendGoneMessage(dst []byte, origin string, space rooms.Space, id rooms.PeerID, scope []string, index int) []byte {
	dst = appendWireString(append(dst, wireGone), origin)
	dst = appendWireString(append(dst, byte(space)), string(id))
	dst = binary.AppendUvarint(dst, uint64(index))
	return appendWireStrings(dst, scope)
}

func appendWireString(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

func appendWireStrings(dst []byte, ss []string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ss)))
	for _, s := range ss {
		dst = appendWireString(dst, s)
	}
	return dst
}

func appendWireBytes(dst []byte, b []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(b))), b...)
}

func appendWirePacket(dst []byte, pkt []byte, attachments [][]byte) []byte {
	dst = appendWireBytes(dst, pkt)
	dst = binary.AppendUvarint(dst, uint64(len(attachments)))
	for _, a := range attachments {
		dst = appendWireBytes(dst, a)
	}
	return dst
}

// decodeWire reads one message. Slices point into b.
func decodeWire(b []byte) (wireMessage, error) {
	r := wireReader{b: b}
	m := wireMessage{kind: r.byte()}
	m.origin = r.string()
	switch m.kind {
	case wireRoom:
		m.space = rooms.Space(r.byte())
		m.peer = rooms.PeerID(r.string())
		m.index = int(r.uvarint())
		m.scope = r.strings()
		m.pkt, m.attachments = r.packet()
	case wirePeer:
		m.peer = rooms.PeerID(r.string())
		m.pkt, m.attachments = r.packet()
	case wireGone:
		m.space = rooms.Space(r.byte())
		m.peer = rooms.PeerID(r.string())
		m.index = int(r.uvarint())
		m.scope = r.strings()
	default:
		return m, errWire
	}
	if r.bad || (m.kind != wirePeer && m.index >= len(m.scope)) {
		return m, errWire
	}
	return m, nil
}

// wireReader reads the encoding; bad is set at the first thing it cannot
// read, and every later read returns zero values.
type wireReader struct {
	b   []byte
	bad bool
}

// maxWireItems bounds the counts a message may claim, before anything is
// allocated for them: no scope or packet has more than a few.
const maxWireItems = 1024

func (r *wireReader) byte() byte {
	if r.bad || len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *wireReader) uvarint() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) bytes() []byte {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *wireReader) string() string { return string(r.bytes()) }

func (r *wireReader) strings() []string {
	n := r.uvarint()
	if n > maxWireItems {
		r.bad = true
		return nil
	}
	ss := make([]string, 0, n)
	for range n {
		ss = append(ss, r.string())
	}
	return ss
}

func (r *wireReader) packet() ([]byte, [][]byte) {
	pkt := r.bytes()
	n := r.uvarint()
	if n > maxWireItems {
		r.bad = true
		return nil, nil
	}
	var atts [][]byte
	for range n {
		atts = append(atts, r.bytes())
	}
	return pkt, atts
}
