package load

import "github.com/roomcast/roomcast/internal/proc"

// ServerSpec is how to run one server under test.
type ServerSpec = proc.Spec

// Start runs a server and waits until it listens.
var Start = proc.Start

// RoomcastSpec runs the roomcast binary bin on a free loopback port, with
// default settings but the per-address connection limit.
func RoomcastSpec(bin string) ServerSpec {
	// Every client of the benchmark comes from 127.0.0.1, thousands at
	// once: the per-address connection limit is lifted, the rest stays.
	return ServerSpec{Name: "roomcast", Argv: []string{bin, "--addr", "127.0.0.1:0", "--log-format", "json", "--max-connections-per-ip", "0"}}
}

// ReferenceSpec runs the Node.js reference at script (bench/reference/
// server.mjs) on a free loopback port, in production mode.
func ReferenceSpec(node, script string) ServerSpec {
	return ServerSpec{Name: "reference", Argv: []string{node, script, "--port", "0"}, Env: []string{"NODE_ENV=production"}}
}

// NullSpec runs the null relay (NullServer) through the generator binary.
func NullSpec(generator string) ServerSpec {
	return ServerSpec{Name: "null relay", Argv: []string{generator, "nullserver", "--addr", "127.0.0.1:0"}}
}
