package load

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// NullServer is the least a server can do for the relay scenarios: Engine.IO
// 4 over websocket only, the namespace connect, auth {room} with "joined",
// and every other event forwarded as it came to the other members of the
// sender's room (no "from", no checks), acked with (null) when asked. It is
// the comparison's calibration: what the generator can drive when the server
// costs next to nothing, so that a server's limit can be told from the
// generator's.
type NullServer struct {
	mu    sync.Mutex
	rooms map[string][]*nullConn
	next  atomic.Int64
	up    websocket.Upgrader
}

type nullConn struct {
	id   string
	ws   *websocket.Conn
	wmu  sync.Mutex
	room string
}

func (c *nullConn) send(b []byte) {
	c.wmu.Lock()
	_ = c.ws.WriteMessage(websocket.TextMessage, b)
	c.wmu.Unlock()
}

// NewNullServer is a null relay with no rooms yet. Served on several
// listeners, it is several nodes that share every room.
func NewNullServer() *NullServer {
	s := &NullServer{rooms: make(map[string][]*nullConn)}
	s.up.CheckOrigin = func(*http.Request) bool { return true }
	return s
}

// ServeNull serves a NullServer on ln until it fails.
func ServeNull(ln net.Listener) error {
	return http.Serve(ln, NewNullServer())
}

// ServeHTTP serves one Engine.IO websocket connection.
func (s *NullServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("transport") != "websocket" {
		http.Error(w, "websocket only", http.StatusBadRequest)
		return
	}
	ws, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &nullConn{id: "n" + strconv.FormatInt(s.next.Add(1), 36), ws: ws}
	defer s.leave(c)
	defer ws.Close()
	c.send([]byte(`0{"sid":"` + c.id + `","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	for {
		_, p, err := ws.ReadMessage()
		if err != nil {
			return
		}
		switch {
		case bytes.HasPrefix(p, []byte("40")):
			c.send([]byte(`40{"sid":"` + c.id + `"}`))
			var auth struct{ Room string }
			if len(p) > 2 && json.Unmarshal(p[2:], &auth) == nil && auth.Room != "" {
				peers := s.join(c, auth.Room)
				b, _ := json.Marshal([]any{"joined", map[string]any{"room": auth.Room, "id": c.id, "peers": peers, "clients": map[string]any{}}})
				c.send(append([]byte("42"), b...))
			}
		case bytes.HasPrefix(p, []byte("42")):
			s.event(c, p)
		}
	}
}

// event forwards p to the sender's room, or answers a join.
func (s *NullServer) event(c *nullConn, p []byte) {
	i := 2
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	ack := string(p[2:i])
	if bytes.HasPrefix(p[i:], []byte(`["join",`)) {
		var args []any
		_ = json.Unmarshal(p[i:], &args)
		room := ""
		if len(args) > 1 {
			room, _ = args[1].(string)
		}
		if room == "" {
			if ack != "" {
				c.send([]byte("43" + ack + `[{"code":"invalid-room","message":"join needs a room name"}]`))
			}
			return
		}
		peers := s.join(c, room)
		if ack != "" {
			b, _ := json.Marshal([]any{nil, map[string]any{"room": room, "id": c.id, "peers": peers, "clients": map[string]any{}}})
			c.send(append([]byte("43"+ack), b...))
		}
		return
	}
	out := p
	if ack != "" {
		out = append([]byte("42"), p[i:]...)
	}
	s.mu.Lock()
	members := s.rooms[c.room]
	s.mu.Unlock()
	for _, m := range members {
		if m != c {
			m.send(out)
		}
	}
	if ack != "" {
		c.send([]byte("43" + ack + "[null]"))
	}
}

func (s *NullServer) join(c *nullConn, room string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(c)
	peers := []string{}
	for _, m := range s.rooms[room] {
		peers = append(peers, m.id)
	}
	// Copy on write: event reads a room's slice without the lock.
	s.rooms[room] = append(append([]*nullConn(nil), s.rooms[room]...), c)
	c.room = room
	return peers
}

func (s *NullServer) leave(c *nullConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(c)
}

func (s *NullServer) removeLocked(c *nullConn) {
	if c.room == "" {
		return
	}
	var keep []*nullConn
	for _, m := range s.rooms[c.room] {
		if m != c {
			keep = append(keep, m)
		}
	}
	if len(keep) == 0 {
		delete(s.rooms, c.room)
	} else {
		s.rooms[c.room] = keep
	}
	c.room = ""
}
