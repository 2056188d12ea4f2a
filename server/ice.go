package server

import (
	"github.com/roomcast/roomcast/rooms"
)

// iceSource hands each peer the ICE servers its page should use.
type iceSource struct {
	static rooms.ICEServers
}

// servers returns the ICE servers for peer id (never nil).
func (i iceSource) servers(rooms.PeerID) rooms.ICEServers {
	if i.static == nil {
		return rooms.ICEServers{}
	}
	return i.static
}
