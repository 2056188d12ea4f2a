// Package sio encodes and decodes Socket.IO packets, protocol versions 4
// (socket.io 1.x and 2.x, over Engine.IO 3) and 5 (socket.io 3.x and 4.x,
// over Engine.IO 4), as specified in socketio/socket.io-protocol. It does no
// I/O: each packet travels as the data of one Engine.IO message, binary
// attachments as the messages that follow it.
//
// The format is
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//
// with the namespace left out for the main namespace, "/".
package sio
