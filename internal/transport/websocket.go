package transport

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomcast/roomcast/internal/eio"
)

// closeWait bounds the close frame sent to a websocket that is closed.
const closeWait = time.Second

// wsConn is one websocket. gorilla/websocket upgrades it and reads its
// frames; the session's writer writes the outbox's ready frames straight to
// the network connection, whole batches at a time. Each batch is one Write,
// which the network connection never interleaves with another (gorilla's
// own control frames included).
type wsConn struct {
	c         *websocket.Conn
	net       net.Conn
	writeWait time.Duration
	closeOnce sync.Once
}

func newWSConn(c *websocket.Conn, cfg Config) *wsConn {
	c.SetReadLimit(cfg.MaxPayload)
	return &wsConn{c: c, net: c.NetConn(), writeWait: cfg.WriteTimeout}
}

// read returns the next message, in a borrowed chunk the caller returns.
func (w *wsConn) read() (binary bool, c *chunk, err error) {
	typ, r, err := w.c.NextReader()
	if err != nil {
		return false, nil, err
	}
	c = getChunk()
	for {
		if len(c.b) == cap(c.b) {
			c.b = append(c.b, 0)[:len(c.b)]
		}
		n, err := r.Read(c.b[len(c.b):cap(c.b)])
		c.b = c.b[:len(c.b)+n]
		if errors.Is(err, io.EOF) {
			return typ == websocket.BinaryMessage, c, nil
		}
		if err != nil {
			putChunk(c)
			return false, nil, err
		}
	}
}

// write sends ready frames.
func (w *wsConn) write(frames []byte) error {
	if err := w.net.SetWriteDeadline(time.Now().Add(w.writeWait)); err != nil {
		return err
	}
	_, err := w.net.Write(frames)
	return err
}

// close sends a close frame, best effort, and closes the connection.
func (w *wsConn) close() {
	w.closeOnce.Do(func() {
		_ = w.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeWait))
		_ = w.net.Close()
	})
}

// readLoop reads the session's websocket until it fails or the session
// ends.
func (s *session) readLoop(w *wsConn) {
	for {
		binary, c, err := w.read()
		if err != nil {
			s.close(readFailure(err))
			return
		}
		ok := s.receiveFrame(binary, c.b)
		putChunk(c)
		if !ok {
			return
		}
	}
}

// readFailure names why a websocket read failed: a close frame is the
// client's choice (a page that goes away sends one), anything else is a
// dropped connection, which clients that can recover come back from.
func readFailure(err error) string {
	var closed *websocket.CloseError
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		return ReasonMessageTooLarge
	case errors.As(err, &closed) && closed.Code != websocket.CloseAbnormalClosure:
		return ReasonTransportClose
	}
	return ReasonTransportError
}

// receiveFrame decodes one websocket message and handles it.
func (s *session) receiveFrame(binary bool, data []byte) bool {
	var p eio.Packet
	var err error
	if binary {
		p, err = eio.DecodeBinary(s.version, data)
	} else {
		p, err = eio.DecodeString(s.version, data)
	}
	if err != nil {
		s.srv.cfg.Logger.Debug("closing a session that sent an invalid frame", "sid", s.id, "error", err)
		s.close(ReasonParseError)
		return false
	}
	return s.receive(p)
}

// writeLoop writes the outbox until it is empty, then ends: a connection
// with nothing to send has no writer.
func (s *session) writeLoop() {
	for {
		s.mu.Lock()
		w, c := s.ws, s.out.take()
		if c == nil || s.closed || w == nil {
			s.writing = false
			done := s.draining && !s.closed
			s.mu.Unlock()
			putChunk(c)
			if done {
				s.close(s.reason)
			}
			return
		}
		s.mu.Unlock()
		err := w.write(c.b)
		putChunk(c)
		if err != nil {
			s.mu.Lock()
			s.writing = false
			s.mu.Unlock()
			s.close(ReasonTransportError)
			return
		}
	}
}

// probe takes a websocket opened for an existing polling session: it answers
// the client's "2probe", has pending polls answered with noops, and on the
// client's upgrade packet makes the websocket the session's transport.
func (s *session) probeUpgrade(w *wsConn) {
	s.mu.Lock()
	s.upgradeTimer = time.AfterFunc(s.srv.cfg.UpgradeTimeout, func() { s.cancelUpgrade(w) })
	s.mu.Unlock()
	for {
		binary, c, err := w.read()
		if err != nil {
			s.cancelUpgrade(w)
			return
		}
		p, err := eio.DecodeText(c.b)
		if binary || err != nil {
			putChunk(c)
			s.cancelUpgrade(w)
			return
		}
		switch {
		case p.Type == eio.Ping && string(p.Data) == "probe":
			putChunk(c)
			if !s.answerProbe(w) {
				return
			}
		case p.Type == eio.Upgrade:
			putChunk(c)
			if s.completeUpgrade(w) {
				s.readLoop(w)
			}
			return
		default:
			putChunk(c)
			s.cancelUpgrade(w)
			return
		}
	}
}

func (s *session) answerProbe(w *wsConn) bool {
	var frame []byte
	frame = appendFrameHeader(frame, opText, 6)
	frame = eio.AppendText(frame, eio.Pong, []byte("probe"))
	if err := w.write(frame); err != nil {
		s.cancelUpgrade(w)
		return false
	}
	s.mu.Lock()
	s.upgrading = true
	s.kickPollLocked()
	s.mu.Unlock()
	return true
}

// completeUpgrade switches the session to the websocket and sends it what
// was queued meanwhile.
func (s *session) completeUpgrade(w *wsConn) bool {
	s.mu.Lock()
	if s.closed || s.probe != w {
		s.mu.Unlock()
		w.close()
		return false
	}
	s.upgradeTimer.Stop()
	s.kind, s.ws, s.probe, s.upgrading = kindWebsocket, w, nil, false
	s.kickPollLocked()
	start := s.kickLocked()
	s.mu.Unlock()
	s.srv.stats.upgraded(s)
	if start {
		go s.writer()
	}
	return true
}

// cancelUpgrade gives up a probe; the session stays on polling.
func (s *session) cancelUpgrade(w *wsConn) {
	s.mu.Lock()
	if s.probe == w {
		s.probe, s.upgrading = nil, false
	}
	s.mu.Unlock()
	w.close()
}

// kickPollLocked wakes a waiting poll, which answers a noop when the
// session is upgrading or upgraded.
func (s *session) kickPollLocked() {
	if s.getWaiting {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}
