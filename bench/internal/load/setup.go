package load

import (
	"fmt"
	"strconv"
)

// The kinds of server a Setup runs.
const (
	ServerRoomcast  = "roomcast"  // bin/roomcast
	ServerReference = "reference" // bench/reference/server.mjs on Node.js
	ServerNull      = "null"      // the null relay, `loadgen nullserver`
)

// Setup is one server configuration of the comparison.
type Setup struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Server is ServerRoomcast, ServerReference or ServerNull.
	Server string `json:"server"`
	// CPUs pins every process of the setup with taskset -c; "" for every core.
	CPUs string   `json:"cpus"`
	Env  []string `json:"env,omitempty"`
	// Args are extra command-line flags for the server, after the listening
	// address and log format the harness sets (e.g. "--recovery-window", "2m").
	// Default none.
	Args []string `json:"args,omitempty"`
	// Nodes is how many processes of the server the setup runs, all started
	// the same way (default 1). The generator connects each room's members to
	// them in turn (member 0 to the first, member 1 to the second, ...), so
	// with two nodes every pair and every classroom spans both, and an event
	// reaches a member on the other node only if the nodes share rooms.
	// CPU time and RSS are those of all the nodes together.
	Nodes int `json:"nodes,omitempty"`
	// Redis starts a redis-server for each run, on the setup's cores, and
	// gives every node --redis-url to it: the nodes share their rooms, so
	// every event reaches the whole room. Its CPU time is measured apart
	// from the nodes' (CPU.Redis).
	Redis bool `json:"redis,omitempty"`
	// Scenarios this setup runs.
	Scenarios []string `json:"scenarios"`
	// Optional setups are skipped when the run is short of time.
	Optional bool `json:"optional,omitempty"`
	// Ceiling setups hold the best rate the other setups sustained in the
	// scenario, then twice that, instead of ramping: they check that the
	// generator can drive more than any server needed.
	Ceiling bool `json:"ceiling,omitempty"`
	// Baseline marks the setup the others are compared with at the same
	// offered rate: it runs first in every scenario, and every other setup
	// that ramps then also holds the baseline's half-load rate (the rate of
	// its step at half its max sustained) for one step. At most one: the
	// reference.
	Baseline bool `json:"baseline,omitempty"`
	// Versus, when set, gives the setup a table of its own in the report:
	// its figures against another setup's, with goals for some ratios.
	Versus *Versus `json:"versus,omitempty"`
	// Also are more tables of the setup, each against another setup as
	// Versus is, shown when both setups ran. Default none.
	Also []Versus `json:"also,omitempty"`
}

// Versus is a comparison of a setup with another one.
type Versus struct {
	// Setup is the key of the setup compared with: the ratios are the
	// compared setup's figures over this one's.
	Setup string `json:"setup"`
	// Title heads the table (default "<label> vs <label>").
	Title string `json:"title,omitempty"`
	// Detail lists every figure; otherwise the summary ones and those with
	// a goal.
	Detail bool `json:"detail,omitempty"`
	// Goals are targets for ratios, by metric ID (MetricMaxSustained, ...).
	// The goal of a relay metric holds in each relay scenario.
	Goals map[string]Goal `json:"goals,omitempty"`
}

// Goal is a target for a ratio between two setups' figures.
type Goal struct {
	Ratio float64 `json:"ratio"`
	// AtMost makes Ratio the highest ratio that meets the goal; otherwise
	// it is the lowest.
	AtMost bool `json:"at_most,omitempty"`
}

// AtLeast is the goal ratio ≥ r.
func AtLeast(r float64) Goal { return Goal{Ratio: r} }

// AtMost is the goal ratio ≤ r.
func AtMost(r float64) Goal { return Goal{Ratio: r, AtMost: true} }

// Met reports whether the ratio q meets the goal.
func (g Goal) Met(q float64) bool {
	if g.AtMost {
		return q <= g.Ratio
	}
	return q >= g.Ratio
}

func (g Goal) String() string {
	op := "≥"
	if g.AtMost {
		op = "≤"
	}
	return op + " " + strconv.FormatFloat(g.Ratio, 'f', -1, 64) + "×"
}

// relayScenarios are the scenarios that ramp a relay rate.
var relayScenarios = []string{"pairs", "classroom"}

// Setups are the comparison's server configurations, in the order each
// scenario runs them. The goals are the targets roomcast's own transport is
// built to meet against Node.js's socket.io.
func Setups() []Setup {
	return []Setup{
		{Key: "reference", Label: "reference, 1 core", Server: ServerReference, CPUs: "0", Scenarios: Scenarios, Baseline: true},
		{Key: "roomcast", Label: "roomcast, 1 core", Server: ServerRoomcast, CPUs: "0", Scenarios: Scenarios,
			Versus: &Versus{Setup: "reference", Title: "Per core (each server pinned to one core)", Detail: true, Goals: map[string]Goal{
				MetricMaxSustained:        AtLeast(2),
				MetricCPUPerEventSameRate: AtMost(0.5),
				MetricP99SameRate:         AtMost(1),
				MetricIdleRSS:             AtMost(1),
				MetricStormAllAcked:       AtMost(1),
			}},
			// socket.io's own recovery keeps every broadcast for the whole
			// window, which costs its relay two thirds of its throughput;
			// roomcast's keeps per peer only its last packets while it is
			// connected, and must cost at most a tenth.
			Also: []Versus{{Setup: "roomcast-norecovery", Title: "The cost of connection state recovery (on by default; 1 core)",
				Goals: map[string]Goal{MetricMaxSustained: AtLeast(0.9)}}}},
		{Key: "roomcast-norecovery", Label: "roomcast, recovery off, 1 core", Server: ServerRoomcast, CPUs: "0",
			Args: []string{"--recovery-window", "0"}, Scenarios: relayScenarios},
		{Key: "roomcast-all", Label: "roomcast, all cores", Server: ServerRoomcast, Scenarios: []string{"pairs", "classroom", "storm"},
			Versus: &Versus{Setup: "reference", Title: "Per machine (roomcast on all cores; the reference is single-threaded)",
				Goals: map[string]Goal{MetricMaxSustained: AtLeast(3.5)}}},
		{Key: "roomcast-gogc400", Label: "roomcast GOGC=400, 1 core", Server: ServerRoomcast, CPUs: "0", Env: []string{"GOGC=400"},
			Scenarios: []string{"pairs", "idle"}, Optional: true,
			Versus: &Versus{Setup: "roomcast", Title: "roomcast with GOGC=400 (1 core)"}},
		// Every pair and classroom spans both nodes, and the nodes and
		// Redis share the core one node has above: the cost of crossing
		// nodes, per core.
		{Key: "roomcast-2nodes", Label: "roomcast, 2 nodes + Redis, 1 core", Server: ServerRoomcast, CPUs: "0", Nodes: 2, Redis: true,
			Scenarios: relayScenarios,
			Versus: &Versus{Setup: "roomcast", Title: "Two nodes sharing rooms through Redis vs one node (all on one core)",
				Goals: map[string]Goal{MetricMaxSustained: AtLeast(0.5)}}},
		{Key: "null", Label: "null relay, 1 core", Server: ServerNull, CPUs: "0", Ceiling: true, Scenarios: relayScenarios},
	}
}

// SmokeSetups are the setups `loadgen compare --smoke` checks: roomcast,
// two roomcast nodes sharing rooms through Redis, and the reference.
func SmokeSetups() []Setup {
	var out []Setup
	for _, su := range Setups() {
		if su.Key == "roomcast" || su.Key == "reference" || su.Key == "roomcast-2nodes" {
			out = append(out, su)
		}
	}
	return out
}

// nodes is how many server processes su runs.
func (su Setup) nodes() int { return max(1, su.Nodes) }

// spec is how to run one process of su.
func (su Setup) spec(o CompareOptions) (ServerSpec, error) {
	var spec ServerSpec
	switch su.Server {
	case ServerRoomcast:
		spec = RoomcastSpec(o.Roomcast)
	case ServerReference:
		spec = ReferenceSpec(o.Node, o.Reference)
	case ServerNull:
		spec = NullSpec(o.Generator)
	default:
		return spec, fmt.Errorf("setup %s: unknown server %q", su.Key, su.Server)
	}
	spec.Argv = append(spec.Argv, su.Args...)
	spec.Env = append(spec.Env, su.Env...)
	if o.Pin {
		spec.CPUs = su.CPUs
	}
	return spec, nil
}

// nodeAddr is the server a client connects to: client i of a scenario whose
// rooms hold roomSize consecutive clients. A room's members go to the
// servers in turn, starting from the first, so with several servers each
// room spans them all (as far as its size allows).
func nodeAddr(addrs []string, roomSize, i int) string {
	member := i
	if roomSize > 0 {
		member = i % roomSize
	}
	return addrs[member%len(addrs)]
}
