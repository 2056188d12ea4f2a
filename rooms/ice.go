package rooms

import (
	"fmt"
	"strings"
)

// ICEServer is one STUN or TURN server as pages hand it to
// RTCPeerConnection (an RTCIceServer).
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICEServers is a list of ICE servers.
type ICEServers []ICEServer

// iceKind is what a URL's scheme makes of a server.
type iceKind int

const (
	iceUnknown iceKind = iota
	iceSTUN
	iceTURN
)

// kindOf reads the scheme of an ICE URL (RFC 7064, RFC 7065; schemes are
// case-insensitive). A URL with nothing after its scheme is no server.
func kindOf(url string) iceKind {
	scheme, rest, found := strings.Cut(url, ":")
	if !found || rest == "" {
		return iceUnknown
	}
	switch strings.ToLower(scheme) {
	case "stun", "stuns":
		return iceSTUN
	case "turn", "turns":
		return iceTURN
	}
	return iceUnknown
}

// Validate reports the first server that cannot work: one without URLs, or
// with a URL that is not stun:, stuns:, turn: or turns: and a host.
func (s ICEServers) Validate() error {
	for i, server := range s {
		if len(server.URLs) == 0 {
			return fmt.Errorf("ICE server %d has no URL", i+1)
		}
		for _, url := range server.URLs {
			if kindOf(url) == iceUnknown {
				return fmt.Errorf("ICE server URL %q is not stun:, stuns:, turn: or turns:", url)
			}
		}
	}
	return nil
}

// Split separates the STUN servers from the TURN servers, the way
// signalmaster announces them: each server's stun: URLs go to stun, without
// credentials (STUN takes none), its turn: and turns: URLs to turn, with
// them. URLs of other schemes are dropped. Neither result is nil, so both
// encode as [] when empty.
func (s ICEServers) Split() (stun, turn ICEServers) {
	stun, turn = ICEServers{}, ICEServers{}
	for _, server := range s {
		var stunURLs, turnURLs []string
		for _, url := range server.URLs {
			switch kindOf(url) {
			case iceSTUN:
				stunURLs = append(stunURLs, url)
			case iceTURN:
				turnURLs = append(turnURLs, url)
			}
		}
		if stunURLs != nil {
			stun = append(stun, ICEServer{URLs: stunURLs})
		}
		if turnURLs != nil {
			turn = append(turn, ICEServer{URLs: turnURLs, Username: server.Username, Credential: server.Credential})
		}
	}
	return stun, turn
}

// ConnectNotices are the events signalmaster sends a peer as it connects:
// stunservers with the STUN servers, then turnservers with the TURN ones
// (both sent, empty lists included, as signalmaster does).
func (s ICEServers) ConnectNotices(id PeerID) []Emit {
	stun, turn := s.Split()
	to := []PeerID{id}
	return []Emit{
		{To: to, Event: EventStunServers, Args: []any{stun}},
		{To: to, Event: EventTurnServers, Args: []any{turn}},
	}
}
