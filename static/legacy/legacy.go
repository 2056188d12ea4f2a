// Package legacy holds roomcast's own additions to the socket.io client
// bundle, for pages written against older socket.io clients.
package legacy

import _ "embed"

//go:embed socketio-compat.js
var socketIOCompat string

// SocketIOCompat is the script appended to the socket.io 4.x browser client
// (socket.io.js and socket.io.min.js) so that pages written for socket.io
// 0.9-2.x run with it: it defines socket.json as the socket itself, for
// socket.json.send and socket.json.emit.
func SocketIOCompat() string { return socketIOCompat }
