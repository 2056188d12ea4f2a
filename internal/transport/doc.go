// Package transport is the server side of socket.io as the official clients
// speak it: Engine.IO 3 and 4 sessions over HTTP long-polling and websocket,
// the upgrade between them, heartbeats, and Socket.IO 4 and 5 on the main
// namespace (connect, events, acks, binary attachments).
//
// It knows nothing of what the events mean: a Handler receives each
// socket's connect, events and disconnect, in order, and sends through the
// Socket. Sending copies the encoded packet into the socket's outbound
// queue, so a packet encoded once can be handed to every recipient; one
// writer per connection, alive only while the queue holds something, flushes
// the whole queue with one write.
package transport
