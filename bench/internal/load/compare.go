package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/roomcast/roomcast/internal/proc"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Setup is one server configuration of the comparison.
type Setup struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Server is "roomcast" or "reference".
	Server string   `json:"server"`
	CPUs   string   `json:"cpus"` // taskset -c; "" for every core
	Env    []string `json:"env,omitempty"`
	// Scenarios this setup runs.
	Scenarios []string `json:"scenarios"`
	// Optional setups are skipped when the run is short of time.
	Optional bool `json:"optional,omitempty"`
	// Ceiling setups hold the best rate the other setups sustained in the
	// scenario, then twice that, instead of ramping: they check that the
	// generator can drive more than any server needed.
	Ceiling bool `json:"ceiling,omitempty"`
}

// Setups are the comparison's server configurations, in the order each
// scenario runs them.
func Setups() []Setup {
	return []Setup{
		{Key: "roomcast", Label: "roomcast, 1 core", Server: "roomcast", CPUs: "0", Scenarios: Scenarios},
		{Key: "reference", Label: "reference, 1 core", Server: "reference", CPUs: "0", Scenarios: Scenarios},
		{Key: "roomcast-all", Label: "roomcast, all cores", Server: "roomcast", Scenarios: []string{"pairs", "classroom", "storm"}},
		{Key: "roomcast-gogc400", Label: "roomcast GOGC=400, 1 core", Server: "roomcast", CPUs: "0", Env: []string{"GOGC=400"},
			Scenarios: []string{"pairs", "idle"}, Optional: true},
		{Key: "null", Label: "null relay, 1 core", Server: "null", CPUs: "0", Ceiling: true,
			Scenarios: []string{"pairs", "classroom"}},
	}
}

// CompareOptions configure a comparison run.
type CompareOptions struct {
	Roomcast  string // the roomcast binary
	Node      string // the node binary
	Reference string // bench/reference/server.mjs
	Generator string // this program, run as `Generator run ...` for each scenario
	// Pin runs each server on the cores its setup names and the generator on
	// core 1, with taskset.
	Pin   bool
	Smoke bool
	// QuietWait is how long each run waits, at most, for other processes
	// to leave the machine quiet; QuietBudget bounds those waits in all.
	QuietWait, QuietBudget time.Duration
	// Budget is the time the whole comparison should take: optional setups
	// are skipped once less than OptionalReserve of it is left.
	Budget, OptionalReserve time.Duration
	Setups                  []Setup
	Log                     io.Writer
}

// Report is a whole comparison.
type Report struct {
	Started  time.Time     `json:"started"`
	Skipped  []string      `json:"skipped,omitempty"`
	Seconds  float64       `json:"seconds"`
	Smoke    bool          `json:"smoke"`
	Machine  Machine       `json:"machine"`
	Setups   []Setup       `json:"setups"`
	Runs     []Measurement `json:"runs"`
	Problems []string      `json:"problems,omitempty"`
}

// Measurement is one scenario against one setup.
type Measurement struct {
	Setup    string  `json:"setup"`
	Scenario string  `json:"scenario"`
	Result   Result  `json:"result"`
	Seconds  float64 `json:"seconds"`
	// Quiet tells whether the machine was quiet when the run started, after
	// waiting QuietWait seconds for it.
	Quiet     bool    `json:"quiet"`
	QuietWait float64 `json:"quiet_wait_seconds"`
}

// Machine describes where the comparison ran.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	Kernel  string `json:"kernel"`
	Go      string `json:"go"`
	Node    string `json:"node"`
	SIO     string `json:"socket_io"`
	Pinning bool   `json:"pinning"`
}

// Compare runs every scenario against every setup, alternating setups within
// each scenario, each on a freshly started server.
func Compare(ctx context.Context, o CompareOptions) (*Report, error) {
	rep := &Report{Started: time.Now(), Smoke: o.Smoke, Setups: o.Setups, Machine: describeMachine(o)}
	quietLeft := o.QuietBudget
	for _, scenario := range Scenarios {
		for _, su := range o.Setups {
			if !slices.Contains(su.Scenarios, scenario) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if su.Optional && o.Budget > 0 && time.Since(rep.Started) > o.Budget-o.OptionalReserve {
				rep.Skipped = append(rep.Skipped, su.Label+", "+scenario)
				fmt.Fprintf(o.Log, "== %s: %s skipped, short of time\n", scenario, su.Label)
				continue
			}
			var rates []float64
			if su.Ceiling {
				best := rep.bestRate(scenario)
				if best == 0 {
					continue
				}
				rates = []float64{roundRate(best), roundRate(2 * best)}
			}
			run, err := compareOne(ctx, o, su, scenario, rates, min(o.QuietWait, quietLeft))
			quietLeft -= time.Duration(run.QuietWait * float64(time.Second))
			if err != nil {
				return rep, fmt.Errorf("%s against %s: %w", scenario, su.Label, err)
			}
			rep.Runs = append(rep.Runs, run)
			if run.Result.Error != "" {
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s, %s: %s", su.Label, scenario, run.Result.Error))
			}
			if o.Smoke {
				for _, p := range SmokeProblems(run.Result) {
					rep.Problems = append(rep.Problems, su.Label+", "+p)
				}
			}
		}
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

func compareOne(ctx context.Context, o CompareOptions, su Setup, scenario string, rates []float64, quietWait time.Duration) (Measurement, error) {
	run := Measurement{Setup: su.Key, Scenario: scenario}
	start := time.Now()
	var spec ServerSpec
	switch su.Server {
	case "roomcast":
		spec = RoomcastSpec(o.Roomcast, su.Env...)
	case "reference":
		spec = ReferenceSpec(o.Node, o.Reference)
		spec.Env = append(spec.Env, su.Env...)
	case "null":
		spec = NullSpec(o.Generator)
	default:
		return run, fmt.Errorf("unknown server %q", su.Server)
	}
	if o.Pin {
		spec.CPUs = su.CPUs
	}
	srv, err := Start(spec)
	if err != nil {
		return run, err
	}
	fmt.Fprintf(o.Log, "== %s: %s, pid %d on %s\n", scenario, su.Label, srv.PID, srv.Addr)
	if !o.Smoke {
		wait := time.Now()
		run.Quiet = WaitQuiet(ctx, srv.PID, quietWait)
		run.QuietWait = time.Since(wait).Seconds()
		if !run.Quiet {
			fmt.Fprintf(o.Log, "   the machine was still busy with other processes after %.0fs: measuring anyway\n", run.QuietWait)
		}
	}
	args := []string{"run", "--scenario", scenario, "--addr", srv.Addr, "--pid", fmt.Sprint(srv.PID), "--json"}
	if o.Smoke {
		args = append(args, "--smoke")
	}
	if len(rates) > 0 {
		var rs []string
		for _, r := range rates {
			rs = append(rs, fmt.Sprint(r))
		}
		args = append(args, "--rates", strings.Join(rs, ","))
	}
	argv := append([]string{o.Generator}, args...)
	if o.Pin {
		argv = append([]string{"taskset", "-c", GeneratorCPU}, argv...)
	}
	gctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(gctx, argv[0], argv[1:]...)
	cmd.Env = proc.CleanEnv()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		_ = srv.Stop()
		return run, err
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		fmt.Fprintf(o.Log, "   %s\n", sc.Text())
	}
	genErr := cmd.Wait()
	stopErr := srv.Stop()
	run.Seconds = time.Since(start).Seconds()
	if err := json.Unmarshal(stdout.Bytes(), &run.Result); err != nil {
		// Record it and go on with the other runs.
		run.Result = Result{Scenario: scenario, Error: fmt.Sprintf("generator failed (%v) without a result", genErr)}
	}
	if stopErr != nil && run.Result.Error == "" {
		run.Result.Error = stopErr.Error()
	}
	return run, nil
}

// GeneratorCPU is the core the generator is pinned to; servers pinned to one
// core get core 0.
const GeneratorCPU = "1"

func describeMachine(o CompareOptions) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), SIO: "4.8.4", Pinning: o.Pin}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if out, err := exec.Command(o.Node, "--version").Output(); err == nil {
		m.Node = strings.TrimSpace(string(out))
	}
	return m
}

// bestRate is the highest max sustained rate a real server reached in
// scenario so far.
func (rep *Report) bestRate(scenario string) float64 {
	best := 0.0
	for _, run := range rep.Runs {
		if su := rep.setup(run.Setup); run.Scenario != scenario || su == nil || su.Ceiling {
			continue
		}
		if v, ok := relayBest(&run.Result); ok {
			best = max(best, v)
		}
	}
	return best
}
