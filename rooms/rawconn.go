package rooms

import "github.com/roomcast/roomcast/internal/jsonscan"

// The raw WebSocket endpoint speaks two JSON dialects, told apart per frame
// by shape: an "inst" member (init, send) or a "type" member (the classic
// tutorial's login, offer, answer, candidate, leave). RawConn holds what a
// connection needs between frames; the names and partners live in the
// Registry, under its lock.

// RawFrame is one text frame for the server to send: Data to the peer To,
// the connection's own peer or another one.
type RawFrame struct {
	To   PeerID
	Data []byte
}

// rawDialect is the protocol a frame, or a connection, speaks.
type rawDialect uint8

const (
	dialectUnknown rawDialect = iota
	dialectInst
	dialectLogin
)

// The values of the inst and type members that the dialects define.
const (
	instInit  = "init"
	instSend  = "send"
	instError = "error"

	typeLogin     = "login"
	typeOffer     = "offer"
	typeAnswer    = "answer"
	typeCandidate = "candidate"
	typeLeave     = "leave"
	typeError     = "error"
)

// RawConn is the signaling state of one raw WebSocket connection. Its peer
// must be connected in SpaceRaw first (Registry.Connect); Handle takes each
// text frame it sends, Close ends it. A RawConn is used by one goroutine,
// the connection's reader; the registry state it changes is safe for all.
type RawConn struct {
	registry *Registry
	id       PeerID
	// dialect is the one the peer spoke last, for errors about frames that
	// speak none. Until it is known, errors carry both shapes.
	dialect rawDialect
}

// NewRawConn returns the state of the raw connection of peer id.
func (r *Registry) NewRawConn(id PeerID) *RawConn {
	return &RawConn{registry: r, id: id}
}

// Handle decides one text frame from the peer and returns the frames to
// send, in order: a delivery to another peer, a reply, or an error frame
// for the peer itself. It never fails otherwise, whatever the frame holds.
func (c *RawConn) Handle(frame []byte) []RawFrame {
	msg, err := parseRawMessage(frame)
	if err != nil {
		return c.fail(c.dialect, err)
	}
	switch {
	case msg.inst != nil && msg.typ != nil:
		return c.fail(c.dialect, errorf(CodeInvalidPayload, `a frame has an "inst" or a "type" member, not both`))
	case msg.inst != nil:
		c.dialect = dialectInst
		return c.handleInst(&msg)
	case msg.typ != nil:
		c.dialect = dialectLogin
		return c.handleLogin(&msg)
	}
	return c.fail(c.dialect, errorf(CodeInvalidPayload, `a frame needs an "inst" or a "type" member`))
}

// Close disconnects the peer, freeing its name, and returns the leave its
// partner (of the login dialect) must get. Use it rather than Disconnect
// for raw peers. A second Close returns nothing.
func (c *RawConn) Close() []RawFrame {
	partner := c.registry.disconnectRaw(c.id)
	if partner == "" {
		return nil
	}
	return []RawFrame{{To: partner, Data: []byte(`{"type":"leave"}`)}}
}

func (c *RawConn) handleInst(msg *rawMessage) []RawFrame {
	inst, ok := jsonscan.Unquote(msg.inst)
	if !ok {
		return c.fail(dialectInst, errorf(CodeInvalidPayload, `"inst" must be a string`))
	}
	switch inst {
	case instInit:
		return c.init(msg)
	case instSend:
		return c.send(msg)
	}
	return c.fail(dialectInst, errorf(CodeUnknownEvent, "unknown inst: "+inst))
}

// init claims the name in id; it answers only refusals.
func (c *RawConn) init(msg *rawMessage) []RawFrame {
	name, err := msg.required("id", msg.id)
	if err == nil {
		err = c.registry.claimName(c.id, name)
	}
	if err != nil {
		return c.fail(dialectInst, err)
	}
	return nil
}

// send delivers the bare message value to the peer called peerId.
func (c *RawConn) send(msg *rawMessage) []RawFrame {
	name, err := msg.required("peerId", msg.peerID)
	if err == nil && msg.message == nil {
		err = errMissing("message")
	}
	var route rawRoute
	if err == nil {
		route, err = c.registry.route(c.id, name, false)
	}
	if err != nil {
		return c.fail(dialectInst, err)
	}
	// A copy: the frame's buffer is the transport's, reused after Handle.
	return []RawFrame{{To: route.to, Data: append([]byte(nil), msg.message...)}}
}

func (c *RawConn) handleLogin(msg *rawMessage) []RawFrame {
	typ, ok := jsonscan.Unquote(msg.typ)
	if !ok {
		return c.fail(dialectLogin, errorf(CodeInvalidPayload, `"type" must be a string`))
	}
	switch typ {
	case typeLogin:
		return c.login(msg)
	case typeOffer:
		return c.forward(msg, forwardOffer, msg.offer)
	case typeAnswer:
		return c.forward(msg, forwardAnswer, msg.answer)
	case typeCandidate:
		return c.forward(msg, forwardCandidate, msg.candidate)
	case typeLeave:
		return c.leave(msg)
	}
	frame := loginErrorFrame(errorf(CodeUnknownEvent, "Command not found: "+typ))
	return []RawFrame{{To: c.id, Data: frame}}
}

// login answers {type: login, success} — refusals with code and message.
func (c *RawConn) login(msg *rawMessage) []RawFrame {
	name, err := msg.required("name", msg.name)
	if err == nil {
		err = c.registry.claimName(c.id, name)
	}
	data := []byte(`{"type":"login","success":true}`)
	if err != nil {
		data = appendCodeAndMessage([]byte(`{"type":"login","success":false`), err)
	}
	return []RawFrame{{To: c.id, Data: data}}
}

// forwarding is how one message type of the login dialect is passed on.
type forwarding struct {
	typ string
	// makesPartner makes the addressee the sender's partner, told when the
	// sender's connection closes.
	makesPartner bool
	// withSenderName adds the sender's name, which the answer goes to.
	withSenderName bool
}

var (
	forwardOffer     = forwarding{typ: typeOffer, makesPartner: true, withSenderName: true}
	forwardAnswer    = forwarding{typ: typeAnswer, makesPartner: true}
	forwardCandidate = forwarding{typ: typeCandidate}
)

// forward delivers {type, <type>: value} to the peer the frame names.
func (c *RawConn) forward(msg *rawMessage, how forwarding, value []byte) []RawFrame {
	name, err := msg.required("name", msg.name)
	if err == nil && value == nil {
		err = errMissing(how.typ)
	}
	var route rawRoute
	if err == nil {
		route, err = c.registry.route(c.id, name, how.makesPartner)
	}
	if err != nil {
		return c.fail(dialectLogin, err)
	}
	data := append([]byte(`{"type":"`+how.typ+`","`+how.typ+`":`), value...)
	if how.withSenderName {
		data = append(data, `,"name":`...)
		data = jsonscan.AppendString(data, route.senderName)
	}
	return []RawFrame{{To: route.to, Data: append(data, '}')}}
}

func (c *RawConn) leave(msg *rawMessage) []RawFrame {
	name, err := msg.required("name", msg.name)
	var route rawRoute
	if err == nil {
		route, err = c.registry.routeLeave(c.id, name)
	}
	if err != nil {
		return c.fail(dialectLogin, err)
	}
	return []RawFrame{{To: route.to, Data: []byte(`{"type":"leave"}`)}}
}

// fail returns the error frame for the peer itself, in dialect.
// Refuse returns the error frame that tells the peer about err in its
// dialect, for what the server refuses before Handle: binary frames,
// oversized ones, floods.
func (c *RawConn) Refuse(err *Error) []RawFrame { return c.fail(c.dialect, err) }

func (c *RawConn) fail(dialect rawDialect, err *Error) []RawFrame {
	var data []byte
	switch dialect {
	case dialectInst:
		data = appendCodeAndMessage([]byte(`{"inst":"`+instError+`"`), err)
	case dialectLogin:
		data = loginErrorFrame(err)
	default:
		data = appendCodeAndMessage([]byte(`{"type":"`+typeError+`","inst":"`+instError+`"`), err)
	}
	return []RawFrame{{To: c.id, Data: data}}
}
