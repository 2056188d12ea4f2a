package transport

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/roomcast/roomcast/internal/eio"
)

// Content types of polling answers.
const (
	contentTypeText   = "text/plain; charset=UTF-8"
	contentTypeBinary = "application/octet-stream"
)

// admitRequest checks a poll or a post of the session and marks it in
// flight (inFlight, guarded by s.mu). Admitted, it returns with s.mu held;
// refused, it has answered the request. A session has one of each at a
// time: a second breaks the protocol's ordering and closes the session.
func (s *session) admitRequest(w http.ResponseWriter, r *http.Request, what string, inFlight *bool) bool {
	s.mu.Lock()
	switch {
	case s.closed:
		// Closed, its sid is about to leave the table: answer as if it had.
		s.mu.Unlock()
		s.srv.refuse(w, r, eio.UnknownSID, "a "+what+" on a closed session")
	case s.kind != kindPolling:
		s.mu.Unlock()
		s.srv.refuse(w, r, eio.BadRequest, "a "+what+" on a session that is not polling")
	case *inFlight:
		s.mu.Unlock()
		s.close(ReasonParseError)
		s.srv.refuse(w, r, eio.BadRequest, "overlapping "+what+"s")
	default:
		*inFlight = true
		return true
	}
	return false
}

// servePoll answers a GET: everything queued, at once or as soon as
// something is queued.
func (s *session) servePoll(w http.ResponseWriter, r *http.Request) {
	if !s.admitRequest(w, r, "poll", &s.getWaiting) {
		return
	}
	for s.out.empty() && !s.closed && !s.upgrading && s.kind == kindPolling {
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-r.Context().Done():
		}
		s.mu.Lock()
		if r.Context().Err() != nil {
			s.getWaiting = false
			s.mu.Unlock()
			return
		}
	}
	s.getWaiting = false
	var c *chunk
	var goodbye eio.Type = eio.Noop
	switch {
	case s.closed && s.reason != ReasonTransportClose:
		goodbye = eio.Close // the server ended it: the client must know
	case s.closed:
	case s.upgrading || s.kind != kindPolling:
	default:
		c = s.out.take()
	}
	done := s.draining && s.out.empty()
	s.mu.Unlock()
	body, contentType := s.encodePoll(c, goodbye)
	putChunk(c)
	s.srv.writePolling(w, r, contentType, body.b)
	putChunk(body)
	if done {
		s.close(s.reason)
	}
}

// encodePoll turns queued frames into a polling payload; with none, the
// payload is the single goodbye packet (noop or close).
func (s *session) encodePoll(c *chunk, goodbye eio.Type) (*chunk, string) {
	body := getChunk()
	binaryPayload := s.version == eio.V3 && !s.b64
	add := func(p eio.Packet, first bool) {
		switch {
		case s.version == eio.V4:
			body.b = eio.AppendV4(body.b, p, !first)
		case binaryPayload:
			body.b = eio.AppendV3Binary(body.b, p)
		default:
			body.b = eio.AppendV3Text(body.b, p)
		}
	}
	n := 0
	if c != nil {
		f := frames{c.b}
		for op, payload, ok := f.next(); ok; op, payload, ok = f.next() {
			p, err := s.framePacket(op, payload)
			if err != nil {
				continue
			}
			add(p, n == 0)
			n++
		}
	}
	if n == 0 {
		add(eio.Packet{Type: goodbye}, true)
	}
	if binaryPayload {
		return body, contentTypeBinary
	}
	return body, contentTypeText
}

// framePacket reads a queued frame back as a packet.
func (s *session) framePacket(op byte, payload []byte) (eio.Packet, error) {
	switch op {
	case opText:
		return eio.DecodeText(payload)
	case opBinary:
		return eio.DecodeBinary(s.version, payload)
	}
	return eio.Packet{}, eio.ErrInvalid // close frames mean nothing to a poll
}

// servePost takes a POST: a payload of packets, handled in order.
func (s *session) servePost(w http.ResponseWriter, r *http.Request) {
	if !s.admitRequest(w, r, "post", &s.posting) {
		return
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.posting = false
		s.mu.Unlock()
	}()

	body, err := readBody(r.Body, s.srv.cfg.MaxPayload)
	defer putChunk(body)
	if err != nil {
		s.srv.cfg.Logger.Debug("closing a session whose post could not be read", "sid", s.id, "error", err)
		status, reason := http.StatusBadRequest, ReasonTransportError
		if errors.Is(err, errBodyTooLarge) {
			status, reason = http.StatusRequestEntityTooLarge, ReasonMessageTooLarge
		}
		s.close(reason)
		s.srv.writeError(w, r, status, eio.BadRequest)
		return
	}
	binaryBody := strings.HasPrefix(r.Header.Get("Content-Type"), contentTypeBinary)
	ok := true
	err = eio.DecodePayload(s.version, body.b, binaryBody, func(p eio.Packet) error {
		if ok = s.receive(p); !ok {
			return errSessionEnded
		}
		return nil
	})
	switch {
	case err == nil:
	case errors.Is(err, errSessionEnded) && s.closedBy() == ReasonTransportClose:
		// The client's own close packet: a clean end.
	case errors.Is(err, errSessionEnded):
		s.srv.writeError(w, r, http.StatusBadRequest, eio.BadRequest)
		return
	default:
		s.srv.cfg.Logger.Debug("closing a session that posted an invalid payload", "sid", s.id, "error", err)
		s.close(ReasonParseError)
		s.srv.writeError(w, r, http.StatusBadRequest, eio.BadRequest)
		return
	}
	s.srv.writePolling(w, r, "text/html", []byte("ok"))
}

var (
	errSessionEnded = errors.New("the session ended")
	errBodyTooLarge = errors.New("the body is larger than the payload limit")
)

// readBody reads at most max bytes into a borrowed chunk.
func readBody(r io.Reader, max int64) (*chunk, error) {
	c := getChunk()
	for {
		if len(c.b) == cap(c.b) {
			c.b = append(c.b, 0)[:len(c.b)]
		}
		n, err := r.Read(c.b[len(c.b):cap(c.b)])
		c.b = c.b[:len(c.b)+n]
		if int64(len(c.b)) > max {
			return c, errBodyTooLarge
		}
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return c, err
		}
	}
}
