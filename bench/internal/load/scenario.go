package load

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Scenarios, in the order the comparison runs them.
var Scenarios = []string{"pairs", "classroom", "idle", "storm"}

// Profile sizes every scenario.
type Profile struct {
	Pairs, Classroom RelayConfig
	Idle             IdleConfig
	Storm            StormConfig
}

// rampStartRate is the first rate of every ramp, in delivered events/s: the
// one load every server carries, which makes it a same-rate comparison at a
// light load.
const rampStartRate = 4000

// FullProfile is the comparison's: sized so that `go tool task bench` runs
// every scenario against every server in well under ten minutes on two cores.
func FullProfile() Profile {
	return Profile{
		Pairs: RelayConfig{Name: "pairs", Rooms: 1000, RoomSize: 2, Step: 4 * time.Second,
			StartRate: rampStartRate, Bisect: 2, MaxSteps: 7, HalfRun: true, Warmup: 2 * time.Second},
		Classroom: RelayConfig{Name: "classroom", Rooms: 100, RoomSize: 10, Step: 4 * time.Second,
			StartRate: rampStartRate, Bisect: 2, MaxSteps: 7, HalfRun: true, Warmup: 2 * time.Second},
		Idle:  IdleConfig{Conns: 10000, Concurrency: 200, Settle: 15 * time.Second},
		Storm: StormConfig{Clients: 5000, Over: 2 * time.Second, RoomSize: 10, Timeout: 40 * time.Second},
	}
}

// SmokeProfile checks correctness only, in a few seconds per server: fixed
// low rates, acks on every relayed event, small idle and storm runs.
func SmokeProfile() Profile {
	return Profile{
		Pairs:     RelayConfig{Name: "pairs", Rooms: 25, RoomSize: 2, Step: time.Second, Rates: []float64{1000}, Acks: true, Patience: 10 * time.Second},
		Classroom: RelayConfig{Name: "classroom", Rooms: 4, RoomSize: 10, Step: time.Second, Rates: []float64{2000}, Acks: true, Patience: 10 * time.Second},
		Idle:      IdleConfig{Conns: 100, Concurrency: 50, Settle: 3 * time.Second},
		Storm:     StormConfig{Clients: 100, Over: 250 * time.Millisecond, RoomSize: 10, Timeout: 20 * time.Second},
	}
}

// Result is one scenario against one server.
type Result struct {
	Scenario string       `json:"scenario"`
	Relay    *RelayResult `json:"relay,omitempty"`
	Idle     *IdleResult  `json:"idle,omitempty"`
	Storm    *StormResult `json:"storm,omitempty"`
	Error    string       `json:"error,omitempty"`
}

// Run runs one scenario of p against the servers at addrs (the nodes of one
// setup: one address, or several that each room's members are spread over),
// whose pids (none when unknown) are measured.
func Run(ctx context.Context, addrs []string, scenario string, p Profile, pids []int, log io.Writer) Result {
	res := Result{Scenario: scenario}
	var err error
	if len(addrs) == 0 {
		res.Error = "no server address"
		return res
	}
	switch scenario {
	case "pairs", "classroom":
		cfg := p.Pairs
		if scenario == "classroom" {
			cfg = p.Classroom
		}
		cfg.ServerPIDs, cfg.Log = pids, log
		res.Relay, err = RunRelay(ctx, addrs, cfg)
	case "idle":
		cfg := p.Idle
		cfg.ServerPIDs, cfg.Log = pids, log
		res.Idle, err = RunIdle(ctx, addrs, cfg)
	case "storm":
		cfg := p.Storm
		cfg.ServerPIDs, cfg.Log = pids, log
		res.Storm, err = RunStorm(ctx, addrs, cfg)
	default:
		err = fmt.Errorf("unknown scenario %q (want one of %v)", scenario, Scenarios)
	}
	if err != nil {
		res.Error = err.Error()
	}
	return res
}

// SmokeProblems lists what makes a smoke result incorrect: anything but every
// event delivered once, in order, to its room only, every relay acked (null),
// every join acked, every idle connection kept.
func SmokeProblems(r Result) []string {
	var out []string
	if r.Error != "" {
		out = append(out, r.Scenario+": "+r.Error)
	}
	if rr := r.Relay; rr != nil {
		for _, s := range rr.Steps {
			if s.Delivered != s.Expected || s.Sent == 0 {
				out = append(out, fmt.Sprintf("%s: delivered %d of %d events (ratio %.5f)", r.Scenario, s.Delivered, s.Expected, s.Ratio))
			}
			if s.Reordered != 0 || s.Misrouted != 0 || s.Stale != 0 || s.SendErrs != 0 {
				out = append(out, fmt.Sprintf("%s: %d reordered, %d misrouted, %d stale, %d send errors", r.Scenario, s.Reordered, s.Misrouted, s.Stale, s.SendErrs))
			}
			if s.AcksOK != s.Sent || s.AcksErr != 0 {
				out = append(out, fmt.Sprintf("%s: %d of %d relays acked (null), %d other acks", r.Scenario, s.AcksOK, s.Sent, s.AcksErr))
			}
		}
		if len(rr.Steps) == 0 && r.Error == "" {
			out = append(out, r.Scenario+": no step ran")
		}
	}
	if st := r.Storm; st != nil && (st.Errors != 0 || st.Acked != st.Clients) {
		out = append(out, fmt.Sprintf("storm: %d of %d joins acked, %d errors (%s)", st.Acked, st.Clients, st.Errors, st.FirstErr))
	}
	return out
}
