package server

import (
	"time"

	"github.com/roomcast/roomcast/rooms"
)

// broker carries signaling between roomcast nodes that share rooms. The
// handlers use it for everything that may concern another node and never
// know which broker runs: memoryBroker when the node is alone (nothing
// crosses), redisBroker when nodes share rooms through Redis (--redis-url).
type broker interface {
	// membership is the Cluster the registry shares its rooms through, or
	// nil when this node holds every room alone.
	membership() rooms.Cluster
	// publishRooms hands an encoded packet to the members of rooms (of
	// space) on the other nodes, each once, except except: the relays and
	// server events of whole rooms. The same bytes go to every node, with
	// the packet's id.
	publishRooms(space rooms.Space, scope []string, except rooms.PeerID, id string, pkt []byte, attachments [][]byte)
	// sendTo hands a relayed packet to peer to on its node if it shares a
	// room of scope with the sender: the check and the delivery are one
	// atomic step across nodes. done is told, on another goroutine, whether
	// it was delivered.
	sendTo(space rooms.Space, scope []string, to rooms.PeerID, id string, pkt []byte, attachments [][]byte, done func(delivered bool))
	// sendPeer hands a packet to peer id on its node, whichever that is
	// (the raw dialects' frames, addressed by name).
	sendPeer(id rooms.PeerID, pkt []byte)
	// The handover of recoverable clients between nodes (handover.go);
	// nothing to hand over with one node.
	handovers() handovers
	// status reports how the broker reaches the other nodes.
	status() brokerStatus
	// close stops the broker; this node's members leave the shared rooms.
	close()
}

// brokerStatus is what /readyz and /metrics say of the broker.
type brokerStatus struct {
	// Kind is "memory" or "redis".
	Kind string
	// Up is false while the other nodes cannot be reached: this node's own
	// rooms keep working, and readiness turns 503 so that a load balancer
	// sends new clients elsewhere.
	Up bool
}

// local is what a broker delivers to: this node's peers. The signaling
// handlers implement it.
type local interface {
	// roomPacket delivers a packet published for rooms of space: to this
	// node's members of scope[index], except except and those also in an
	// earlier room of scope, who got it through that one.
	roomPacket(space rooms.Space, scope []string, index int, except rooms.PeerID, id string, pkt []byte, attachments [][]byte)
	// peerPacket delivers a packet to one of this node's peers.
	peerPacket(peer rooms.PeerID, id string, pkt []byte, attachments [][]byte)
	// peerGone tells this node's members of rooms (of space) that peer,
	// of a node that died, is gone.
	peerGone(space rooms.Space, id rooms.PeerID, scope []string, index int)
	// handOver gives up the dropped client of pid to node: the reply
	// carries the peer and what it missed after offset.
	handOver(pid, offset, node string) handoverReply
	// letGo hands node what the client got since, and forgets it: its new
	// node has its rooms now.
	letGo(pid, node string)
}

// handovers is how nodes hand recoverable clients to each other; the Redis
// broker implements it.
type handovers interface {
	recoverable(pid string, window time.Duration)
	unrecoverable(pid string)
	handover(pid, offset string) (r handoverReply, oldNode string, ok bool)
	adopted(oldNode, pid string, id rooms.PeerID, h rooms.Handover)
	released(id rooms.PeerID, h rooms.Handover)
	move(id rooms.PeerID, h rooms.Handover, node string) bool
	forward(node string, id rooms.PeerID, offset string, pkt []byte, attachments [][]byte)
	replyHandover(node, req string, r handoverReply)
}

// memoryBroker is the broker of a node alone: nothing crosses.
type memoryBroker struct{}

func (memoryBroker) membership() rooms.Cluster { return nil }

func (memoryBroker) publishRooms(rooms.Space, []string, rooms.PeerID, string, []byte, [][]byte) {}

func (memoryBroker) sendTo(_ rooms.Space, _ []string, _ rooms.PeerID, _ string, _ []byte, _ [][]byte, done func(bool)) {
	done(false)
}

func (memoryBroker) sendPeer(rooms.PeerID, []byte) {}

func (memoryBroker) handovers() handovers { return nil }

func (memoryBroker) status() brokerStatus { return brokerStatus{Kind: "memory", Up: true} }

func (memoryBroker) close() {}
