// Package eio encodes and decodes Engine.IO packets and payloads, versions 3
// (socket.io 1.x and 2.x clients) and 4 (socket.io 3.x and 4.x): the
// framing under Socket.IO, as specified in socketio/engine.io-protocol. It
// does no I/O.
//
// A packet is a type and data. Over a websocket each packet is one frame:
// text frames hold "<type digit><data>", binary frames hold a message's
// bytes (version 4) or the type byte and the bytes (version 3). Over HTTP
// long-polling several packets travel in one body, a payload: separated by
// \x1e in version 4, length-prefixed in version 3.
package eio
