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
//	room:  kind, origin node, space, except, index, scope rooms, id, packet, attachments
//	peer:  kind, origin node, peer, id, packet, attachments
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
	id          string // the packet's id (recovery's offset), "" for none
	pkt         []byte
	attachments [][]byte
}

var errWire = errors.New("a malformed message between nodes")

func appendRoomMessage(dst []byte, origin string, space rooms.Space, scope []string, index int, except rooms.PeerID, id string, pkt []byte, attachments [][]byte) []byte {
	dst = appendWireString(append(dst, wireRoom), origin)
	dst = appendWireString(append(dst, byte(space)), string(except))
	dst = binary.AppendUvarint(dst, uint64(index))
	dst = appendWireStrings(dst, scope)
	dst = appendWireString(dst, id)
	return appendWirePacket(dst, pkt, attachments)
}

func appendPeerMessage(dst []byte, origin string, peer rooms.PeerID, id string, pkt []byte, attachments [][]byte) []byte {
	dst = appendWireString(append(dst, wirePeer), origin)
	dst = appendWireString(dst, string(peer))
	dst = appendWireString(dst, id)
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
		m.id = r.string()
		m.pkt, m.attachments = r.packet()
	case wirePeer:
		m.peer = rooms.PeerID(r.string())
		m.id = r.string()
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

// The handover of a recoverable client between nodes (server/handover.go):
//
//	handover:  kind, origin node, request id, pid, offset
//	reply:     kind, origin node, request id, ok, peer, space, rooms, codelab rooms, explicit, screen,
//	           missed packets (id, packet, attachments each)
//	adopted:   kind, origin node, pid
const (
	wireHandover byte = 4 + iota
	wireHandoverReply
	wireAdopted
)

// handoverReply is a node's answer to a handover: the peer and what it
// missed, oldest first; ok is false when it cannot be handed over.
type handoverReply struct {
	ok     bool
	peer   rooms.PeerID
	held   rooms.Handover
	missed []missedPacket
}

// missedPacket is a packet as a recoverable client gets it, without its
// offset: the id is the offset.
type missedPacket struct {
	id          string
	pkt         []byte
	attachments [][]byte
}

func appendHandover(dst []byte, origin, req, pid, offset string) []byte {
	dst = appendWireString(append(dst, wireHandover), origin)
	dst = appendWireString(dst, req)
	dst = appendWireString(dst, pid)
	return appendWireString(dst, offset)
}

func appendAdopted(dst []byte, origin, pid string) []byte {
	return appendWireString(appendWireString(append(dst, wireAdopted), origin), pid)
}

func appendHandoverReply(dst []byte, origin, req string, r handoverReply) []byte {
	dst = appendWireString(append(dst, wireHandoverReply), origin)
	dst = appendWireString(dst, req)
	if !r.ok {
		return append(dst, 0)
	}
	dst = appendWireString(append(dst, 1), string(r.peer))
	dst = append(dst, byte(r.held.Space))
	dst = appendWireStrings(dst, r.held.Rooms)
	dst = appendWireStrings(dst, r.held.Codelab)
	dst = append(dst, wireBool(r.held.Explicit), wireBool(r.held.Screen))
	dst = binary.AppendUvarint(dst, uint64(len(r.missed)))
	for _, m := range r.missed {
		dst = appendWirePacket(appendWireString(dst, m.id), m.pkt, m.attachments)
	}
	return dst
}

func wireBool(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// handoverMessage is a decoded handover, reply or adopted message.
type handoverMessage struct {
	kind           byte
	origin         string
	req, pid, offs string
	reply          handoverReply
}

// maxMissed bounds the packets a reply may claim: at most what a peer's
// recovery keeps (256 KiB of small signaling packets).
const maxMissed = 1 << 16

func decodeHandover(b []byte) (handoverMessage, error) {
	r := wireReader{b: b}
	m := handoverMessage{kind: r.byte(), origin: r.string()}
	switch m.kind {
	case wireHandover:
		m.req, m.pid, m.offs = r.string(), r.string(), r.string()
	case wireAdopted:
		m.pid = r.string()
	case wireHandoverReply:
		m.req = r.string()
		if m.reply.ok = r.byte() == 1; m.reply.ok {
			m.reply.peer = rooms.PeerID(r.string())
			m.reply.held.Space = rooms.Space(r.byte())
			m.reply.held.Rooms = r.strings()
			m.reply.held.Codelab = r.strings()
			m.reply.held.Explicit, m.reply.held.Screen = r.byte() == 1, r.byte() == 1
			n := r.uvarint()
			if n > maxMissed {
				return m, errWire
			}
			for range n {
				id := r.string()
				pkt, atts := r.packet()
				m.reply.missed = append(m.reply.missed, missedPacket{id: id, pkt: pkt, attachments: atts})
			}
		}
	default:
		return m, errWire
	}
	if r.bad {
		return m, errWire
	}
	return m, nil
}
