package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roomcast/roomcast/internal/proc"
)

// CompareOptions configure a comparison run.
type CompareOptions struct {
	Roomcast  string // the roomcast binary
	Node      string // the node binary
	Reference string // bench/reference/server.mjs
	Generator string // this program, run as `Generator run ...` for each scenario
	// RedisServer is the redis-server binary, for the setups with Redis.
	RedisServer string
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
	// Scenarios to run, in the order of the package's Scenarios (default
	// all of them).
	Scenarios []string
	Log       io.Writer
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
// each scenario, each on freshly started servers; the baseline runs first.
func Compare(ctx context.Context, o CompareOptions) (*Report, error) {
	setups := baselineFirst(o.Setups)
	rep := &Report{Started: time.Now(), Smoke: o.Smoke, Setups: setups, Machine: describeMachine(o)}
	quietLeft := o.QuietBudget
	for _, scenario := range Scenarios {
		if len(o.Scenarios) > 0 && !slices.Contains(o.Scenarios, scenario) {
			continue
		}
		for _, su := range setups {
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
			var plan runPlan
			if su.Ceiling {
				best := rep.bestRate(scenario)
				if best == 0 {
					continue
				}
				plan.rates = []float64{roundRate(best), roundRate(2 * best)}
			} else if !su.Baseline {
				plan.sameRate = rep.sameRate(scenario)
			}
			run, err := compareOne(ctx, o, su, scenario, plan, min(o.QuietWait, quietLeft))
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

// baselineFirst moves the baseline setup to the front: the others need its
// half-load rate.
func baselineFirst(setups []Setup) []Setup {
	out := slices.Clone(setups)
	slices.SortStableFunc(out, func(a, b Setup) int {
		switch {
		case a.Baseline == b.Baseline:
			return 0
		case a.Baseline:
			return -1
		}
		return 1
	})
	return out
}

// runPlan is what one run holds besides its scenario's ramp.
type runPlan struct {
	// rates replace the ramp (the ceiling setups).
	rates []float64
	// sameRate, when set, is held for one more step: the baseline's
	// half-load rate.
	sameRate float64
	// redisPID, when set, is the redis-server of the run, measured apart.
	redisPID int
}

// generatorArgs are the arguments of `loadgen run` for one run against the
// servers at addrs, whose pids are measured.
func generatorArgs(scenario string, addrs []string, pids []int, smoke bool, plan runPlan) []string {
	args := []string{"run", "--scenario", scenario, "--addr", strings.Join(addrs, ","), "--pid", joinInts(pids), "--json"}
	if smoke {
		args = append(args, "--smoke")
	}
	if len(plan.rates) > 0 {
		rs := make([]string, len(plan.rates))
		for i, r := range plan.rates {
			rs[i] = fmt.Sprint(r)
		}
		args = append(args, "--rates", strings.Join(rs, ","))
	}
	if plan.sameRate > 0 && slices.Contains(relayScenarios, scenario) {
		args = append(args, "--same-rate", fmt.Sprint(plan.sameRate))
	}
	if plan.redisPID > 0 {
		args = append(args, "--redis-pid", strconv.Itoa(plan.redisPID))
	}
	return args
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// startNodes starts the setup's server processes, with extra flags.
func startNodes(o CompareOptions, su Setup, extra ...string) ([]*proc.Proc, error) {
	spec, err := su.spec(o)
	if err != nil {
		return nil, err
	}
	spec.Argv = append(spec.Argv, extra...)
	var srvs []*proc.Proc
	for range su.nodes() {
		srv, err := Start(spec)
		if err != nil {
			_ = stopNodes(srvs)
			return nil, err
		}
		srvs = append(srvs, srv)
	}
	return srvs, nil
}

// stopNodes stops every server and reports the first that did not stop
// cleanly.
func stopNodes(srvs []*proc.Proc) error {
	var first error
	for _, srv := range srvs {
		if err := srv.Stop(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func compareOne(ctx context.Context, o CompareOptions, su Setup, scenario string, plan runPlan, quietWait time.Duration) (Measurement, error) {
	run := Measurement{Setup: su.Key, Scenario: scenario}
	start := time.Now()
	redis, err := startRedis(o, su)
	if err != nil {
		return run, err
	}
	var extra []string
	if redis != nil {
		defer func() { _ = redis.Stop() }()
		extra = []string{"--redis-url", redis.URL()}
		plan.redisPID = redis.PID
	}
	srvs, err := startNodes(o, su, extra...)
	if err != nil {
		return run, err
	}
	var addrs []string
	var pids []int
	for _, srv := range srvs {
		addrs, pids = append(addrs, srv.Addr), append(pids, srv.PID)
	}
	fmt.Fprintf(o.Log, "== %s: %s, pid %s on %s\n", scenario, su.Label, joinInts(pids), strings.Join(addrs, ", "))
	if redis != nil {
		fmt.Fprintf(o.Log, "   sharing rooms through redis-server pid %d on %s\n", redis.PID, redis.Addr)
	}
	if !o.Smoke {
		wait := time.Now()
		run.Quiet = WaitQuiet(ctx, pids, quietWait)
		run.QuietWait = time.Since(wait).Seconds()
		if !run.Quiet {
			fmt.Fprintf(o.Log, "   the machine was still busy with other processes after %.0fs: measuring anyway\n", run.QuietWait)
		}
	}
	argv := append([]string{o.Generator}, generatorArgs(scenario, addrs, pids, o.Smoke, plan)...)
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
		_ = stopNodes(srvs)
		return run, err
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		fmt.Fprintf(o.Log, "   %s\n", sc.Text())
	}
	genErr := cmd.Wait()
	stopErr := stopNodes(srvs)
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

// startRedis starts the redis-server of a setup with Redis, on its cores
// when pinned; nil for the others.
func startRedis(o CompareOptions, su Setup) (*proc.Redis, error) {
	if !su.Redis {
		return nil, nil
	}
	cpus := ""
	if o.Pin {
		cpus = su.CPUs
	}
	bin := o.RedisServer
	if bin == "" {
		bin = "redis-server"
	}
	return proc.StartRedis(bin, cpus)
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

// sameRate is the rate every setup is compared at in a relay scenario: the
// offered rate of the baseline's half-load step, 0 before the baseline ran
// it.
func (rep *Report) sameRate(scenario string) float64 {
	for _, run := range rep.Runs {
		if su := rep.setup(run.Setup); su == nil || !su.Baseline || run.Scenario != scenario {
			continue
		}
		if rr := run.Result.Relay; rr != nil && rr.Half != nil {
			return rr.Half.TargetRate
		}
	}
	return 0
}
