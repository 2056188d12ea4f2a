package load

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Thresholds for the warnings under the tables.
const (
	busyGenerator = 0.70 // of its core
	busyOthers    = 0.25 // of a core, other processes on the machine
)

func (rep *Report) find(setup, scenario string) *Result {
	for i := range rep.Runs {
		if rep.Runs[i].Setup == setup && rep.Runs[i].Scenario == scenario {
			return &rep.Runs[i].Result
		}
	}
	return nil
}

func (rep *Report) setup(key string) *Setup {
	for i := range rep.Setups {
		if rep.Setups[i].Key == key {
			return &rep.Setups[i]
		}
	}
	return nil
}

// metric is one row: how to read it from a result, and how to judge the
// ratio roomcast/reference.
type metric struct {
	name     string
	scenario string
	value    func(*Result) (float64, bool)
	format   func(float64) string
	target   string             // "" for none
	met      func(float64) bool // of the ratio
}

func relayBest(r *Result) (float64, bool) {
	if r.Relay == nil || r.Relay.Best == nil {
		return 0, false
	}
	return r.Relay.MaxSustained, true
}

func relayHalf(read func(*StepResult) float64) func(*Result) (float64, bool) {
	return func(r *Result) (float64, bool) {
		if r.Relay == nil || r.Relay.Half == nil {
			return 0, false
		}
		return read(r.Relay.Half), true
	}
}

// relayAt reads the last clean step held at rate: every ramp starts at the
// same rate, which makes it the one load every server carried.
func relayAt(rate float64, read func(*StepResult) float64) func(*Result) (float64, bool) {
	return func(r *Result) (float64, bool) {
		if r.Relay == nil {
			return 0, false
		}
		for i := len(r.Relay.Steps) - 1; i >= 0; i-- {
			if s := &r.Relay.Steps[i]; s.TargetRate == rate && !s.Noisy && s.CPU.Server >= 0 {
				return read(s), true
			}
		}
		return 0, false
	}
}

func cpuPerEvent(s *StepResult) float64 {
	if s.Delivered == 0 || s.CPU.Server < 0 {
		return math.NaN()
	}
	return s.CPU.Server * s.Seconds / float64(s.Delivered) * 1e6
}

func relayMetrics(scenario string, maxTarget string, maxMet func(float64) bool) []metric {
	ms := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	return []metric{
		{name: scenario + ": max sustained delivered events/s", scenario: scenario, value: relayBest, format: count,
			target: maxTarget, met: maxMet},
		{name: scenario + ": latency p50 at 50% of max (ms)", scenario: scenario,
			value: relayHalf(func(s *StepResult) float64 { return s.Latency.P50 }), format: ms},
		{name: scenario + ": latency p99 at 50% of max (ms)", scenario: scenario,
			value: relayHalf(func(s *StepResult) float64 { return s.Latency.P99 }), format: ms,
			target: "≤ 1×", met: func(r float64) bool { return r <= 1 }},
		{name: scenario + ": latency p99.9 at 50% of max (ms)", scenario: scenario,
			value: relayHalf(func(s *StepResult) float64 { return s.Latency.P999 }), format: ms},
		{name: scenario + ": server CPU at 4,000 delivered ev/s (% of a core)", scenario: scenario,
			value: relayAt(4000, func(s *StepResult) float64 { return 100 * s.CPU.Server }), format: func(v float64) string { return fmt.Sprintf("%.0f%%", v) }},
		{name: scenario + ": server CPU per delivered event at max (µs)", scenario: scenario,
			value: func(r *Result) (float64, bool) {
				if r.Relay == nil || r.Relay.Best == nil {
					return 0, false
				}
				return cpuPerEvent(r.Relay.Best), true
			}, format: func(v float64) string { return fmt.Sprintf("%.1f", v) }},
	}
}

func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func atLeast(x float64) func(float64) bool { return func(r float64) bool { return r >= x } }

func perCoreMetrics() []metric {
	out := relayMetrics("pairs", "≥ 1.5×", atLeast(1.5))
	out = append(out, relayMetrics("classroom", "≥ 1.5×", atLeast(1.5))...)
	return append(out,
		metric{name: "idle: server RSS per connection (KB)", scenario: "idle",
			value: func(r *Result) (float64, bool) {
				if r.Idle == nil || r.Idle.RSSAfter == 0 {
					return 0, false
				}
				return r.Idle.PerConn / 1024, true
			}, format: func(v float64) string { return fmt.Sprintf("%.1f", v) },
			target: "≤ 1.5×", met: func(r float64) bool { return r <= 1.5 }},
		metric{name: "idle: connect+join rate (connections/s)", scenario: "idle",
			value: func(r *Result) (float64, bool) {
				if r.Idle == nil || r.Idle.ConnectSecs == 0 {
					return 0, false
				}
				return r.Idle.ConnectRate, true
			}, format: count},
		metric{name: "join storm: all joins acked after (s)", scenario: "storm",
			value: func(r *Result) (float64, bool) {
				if r.Storm == nil || r.Storm.Acked == 0 {
					return 0, false
				}
				return r.Storm.AllSecs, true
			}, format: func(v float64) string { return fmt.Sprintf("%.2f", v) }},
		metric{name: "join storm: join latency p99 (ms)", scenario: "storm",
			value: func(r *Result) (float64, bool) {
				if r.Storm == nil || r.Storm.Acked == 0 {
					return 0, false
				}
				return r.Storm.Latency.P99, true
			}, format: func(v float64) string { return fmt.Sprintf("%.0f", v) }},
		metric{name: "join storm: failed joins", scenario: "storm",
			value: func(r *Result) (float64, bool) {
				if r.Storm == nil {
					return 0, false
				}
				return float64(r.Storm.Errors), true
			}, format: count},
		metric{name: "join storm: reconnects after a stalled connect", scenario: "storm",
			value: func(r *Result) (float64, bool) {
				if r.Storm == nil {
					return 0, false
				}
				return float64(r.Storm.Retries), true
			}, format: count},
	)
}

// table renders metrics for the given setups; the ratio is the first setup's
// value over the reference's.
func (rep *Report) table(b *strings.Builder, metrics []metric, setups []string, ratioOf, ratioTo string) {
	labels := make([]string, len(setups))
	for i, k := range setups {
		labels[i] = k
		if su := rep.setup(k); su != nil {
			labels[i] = su.Label
		}
	}
	ratioLabel := "ratio"
	if a, c := rep.setup(ratioOf), rep.setup(ratioTo); a != nil && c != nil {
		ratioLabel = a.Server + " / " + c.Server
		if a.Server == c.Server {
			ratioLabel = a.Label + " / " + c.Label
		}
	}
	fmt.Fprintf(b, "| metric | %s | %s | target | met |\n", strings.Join(labels, " | "), ratioLabel)
	fmt.Fprintf(b, "|---|%s---:|---|---|\n", strings.Repeat("---:|", len(setups)))
	for _, m := range metrics {
		vals := make([]string, len(setups))
		var num, den float64
		var haveNum, haveDen bool
		for i, k := range setups {
			vals[i] = "–"
			if r := rep.find(k, m.scenario); r != nil {
				if v, ok := m.value(r); ok && !math.IsNaN(v) {
					vals[i] = m.format(v)
					if k == ratioOf {
						num, haveNum = v, true
					}
					if k == ratioTo {
						den, haveDen = v, true
					}
				}
			}
		}
		ratio, met := "–", ""
		if haveNum && haveDen && den != 0 {
			q := num / den
			ratio = fmt.Sprintf("%.2f×", q)
			if m.met != nil {
				met = "no"
				if m.met(q) {
					met = "yes"
				}
			}
		}
		target := m.target
		if target == "" {
			target = "–"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", m.name, strings.Join(vals, " | "), ratio, target, met)
	}
}

// Markdown renders the report.
func (rep *Report) Markdown() string {
	var b strings.Builder
	m := rep.Machine
	title := "roomcast vs the Node.js socket.io reference"
	if rep.Smoke {
		title += ": smoke run (correctness only)"
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "%s, **%s, %d cores**, %s, %s, Node.js %s with socket.io %s; the comparison took %s.\n\n",
		rep.Started.UTC().Format("2006-01-02 15:04 UTC"), m.CPU, m.Cores, m.Kernel, m.Go, m.Node, m.SIO,
		time.Duration(rep.Seconds*float64(time.Second)).Round(time.Second))
	if m.Pinning {
		fmt.Fprintf(&b, "Servers marked \"1 core\" ran pinned to core 0 (`taskset -c 0`), the load generator pinned to core %s; \"all cores\" ran unpinned. Every scenario started a fresh server; setups alternated within each scenario.\n\n", GeneratorCPU)
	} else {
		b.WriteString("No pinning (taskset missing or a single core): servers and generator shared every core.\n\n")
	}
	if rep.Smoke {
		rep.smokeTable(&b)
	} else {
		b.WriteString("## Per core (each server pinned to one core)\n\n")
		rep.table(&b, perCoreMetrics(), []string{"roomcast", "reference"}, "roomcast", "reference")
		b.WriteString("\n## Per machine (roomcast on all cores; the reference is single-threaded)\n\n")
		machine := []metric{}
		for _, mm := range append(relayMetrics("pairs", "≥ 2.5×", atLeast(2.5))[:3], relayMetrics("classroom", "≥ 2.5×", atLeast(2.5))[:3]...) {
			if strings.Contains(mm.name, "p50") {
				continue
			}
			if strings.Contains(mm.name, "p99") {
				mm.target, mm.met = "", nil
			}
			machine = append(machine, mm)
		}
		for _, mm := range perCoreMetrics() {
			if mm.scenario == "storm" && strings.Contains(mm.name, "acked after") {
				machine = append(machine, mm)
			}
		}
		rep.table(&b, machine, []string{"roomcast-all", "reference"}, "roomcast-all", "reference")
		if rep.setup("roomcast-gogc400") != nil {
			b.WriteString("\n## roomcast with GOGC=400 (1 core)\n\n")
			var gogc []metric
			ran := rep.setup("roomcast-gogc400").Scenarios
			for _, mm := range perCoreMetrics() {
				if !slices.Contains(ran, mm.scenario) {
					continue
				}
				if strings.Contains(mm.name, "max sustained") || strings.Contains(mm.name, "p99 at") || strings.Contains(mm.name, "RSS") || strings.Contains(mm.name, "at 4,000") {
					mm.target, mm.met = "", nil
					gogc = append(gogc, mm)
				}
			}
			rep.table(&b, gogc, []string{"roomcast-gogc400", "roomcast", "reference"}, "roomcast-gogc400", "roomcast")
		}
	}
	if !rep.Smoke {
		if rep.setup("null") != nil {
			rep.ceiling(&b)
		}
		rep.stepsSection(&b)
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(&b, "\nSkipped for time: %s.\n", strings.Join(rep.Skipped, "; "))
	}
	if len(rep.Problems) > 0 {
		b.WriteString("\n## Problems\n\n")
		for _, p := range rep.Problems {
			fmt.Fprintf(&b, "- %s\n", p)
		}
	}
	return b.String()
}

func (rep *Report) smokeTable(b *strings.Builder) {
	b.WriteString("| setup | scenario | events sent | delivered | ratio | reordered | misrouted | relay acks (null) | joins | verdict |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, run := range rep.Runs {
		label := run.Setup
		if su := rep.setup(run.Setup); su != nil {
			label = su.Label
		}
		r := run.Result
		verdict := "ok"
		if p := SmokeProblems(r); len(p) > 0 {
			verdict = "FAIL"
		}
		switch {
		case r.Relay != nil:
			var s StepResult
			for _, st := range r.Relay.Steps {
				s.Sent += st.Sent
				s.Delivered += st.Delivered
				s.Expected += st.Expected
				s.Reordered += st.Reordered
				s.Misrouted += st.Misrouted
				s.AcksOK += st.AcksOK
			}
			ratio := 0.0
			if s.Expected > 0 {
				ratio = float64(s.Delivered) / float64(s.Expected)
			}
			fmt.Fprintf(b, "| %s | %s | %d | %d of %d | %.4f | %d | %d | %d | – | %s |\n",
				label, run.Scenario, s.Sent, s.Delivered, s.Expected, ratio, s.Reordered, s.Misrouted, s.AcksOK, verdict)
		case r.Idle != nil:
			fmt.Fprintf(b, "| %s | %s | – | – | – | – | – | – | %d | %s |\n", label, run.Scenario, r.Idle.Conns, verdict)
		case r.Storm != nil:
			fmt.Fprintf(b, "| %s | %s | – | – | – | – | – | – | %d of %d | %s |\n", label, run.Scenario, r.Storm.Acked, r.Storm.Clients, verdict)
		default:
			fmt.Fprintf(b, "| %s | %s | – | – | – | – | – | – | – | FAIL |\n", label, run.Scenario)
		}
	}
}

// stepsSection lists what each run did, with the generator's and the rest of
// the machine's CPU, so a reader can tell a server limit from a noisy run.
func (rep *Report) stepsSection(b *strings.Builder) {
	b.WriteString("\n## Runs\n\n")
	b.WriteString("Relay steps are delivered events/s offered, ✓ passed (≥ 99.9% delivered, in order, p99 ≤ 100 ms), ✗ failed. CPU columns are the highest over the run's steps, in % of one core: the generator's own (getrusage), and everything else on the machine (/proc/stat less server and generator).\n\n")
	b.WriteString("| setup | scenario | what happened | generator CPU | others' CPU | run time |\n|---|---|---|---:|---:|---:|\n")
	var maxGen float64
	var busy []string
	for _, run := range rep.Runs {
		label := run.Setup
		if su := rep.setup(run.Setup); su != nil {
			label = su.Label
		}
		r := run.Result
		var what []string
		var gen, other, genPassing float64
		note := func(c CPU) { gen, other = max(gen, c.Generator), max(other, c.Other) }
		if rr := r.Relay; rr != nil {
			for _, s := range rr.Steps {
				mark := "✓"
				switch {
				case s.Noisy:
					mark = fmt.Sprintf("✗ with others at %.0f%%, run again", 100*s.CPU.Other)
				case !s.Pass:
					mark = "✗ " + s.Why
				}
				what = append(what, fmt.Sprintf("%s %s", count(s.TargetRate), mark))
				note(s.CPU)
				if s.Pass {
					genPassing = max(genPassing, s.CPU.Generator)
				}
			}
		}
		if r.Relay == nil {
			genPassing = gen
		}
		if id := r.Idle; id != nil {
			what = append(what, fmt.Sprintf("%d connections in %.1fs; RSS %.0f → %.0f MB (%s after %.1fs)",
				id.Conns, id.ConnectSecs, mb(id.RSSBefore), mb(id.RSSAfter), strings.ToLower(stableWord(id.StableAfter)), id.SettleSecs))
			note(id.CPU)
		}
		if st := r.Storm; st != nil {
			what = append(what, fmt.Sprintf("%d of %d joined, %d errors, %d reconnects, p50 %.0f ms", st.Acked, st.Clients, st.Errors, st.Retries, st.Latency.P50))
			note(st.CPU)
		}
		if r.Error != "" {
			what = append(what, "error: "+r.Error)
		}
		if !rep.Smoke && !run.Quiet {
			what = append(what, fmt.Sprintf("(machine busy at the start, after waiting %.0fs)", run.QuietWait))
		}
		if run.Setup != "null" && !rep.generatorVerified(run.Scenario) {
			maxGen = max(maxGen, genPassing)
		}
		if other > busyOthers {
			busy = append(busy, fmt.Sprintf("%s, %s (%.0f%%)", label, run.Scenario, 100*other))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %.0f%% | %.0f%% | %.0fs |\n", label, run.Scenario, strings.Join(what, "; "), 100*gen, 100*other, run.Seconds)
	}
	b.WriteString("\n")
	switch {
	case maxGen > busyGenerator:
		fmt.Fprintf(b, "**Warning:** the generator used up to %.0f%% of its core in a passing step of a scenario it was not checked at twice the best rate in: the highest figures may be the generator's limit.\n\n", 100*maxGen)
	case rep.generatorVerified("pairs") && rep.generatorVerified("classroom"):
		b.WriteString("The generator check passed at twice the best rate in both relay scenarios: no relay figure above is the generator's limit.\n\n")
	default:
		fmt.Fprintf(b, "In passing steps the generator used at most %.0f%% of its core.\n\n", 100*maxGen)
	}
	if len(busy) > 0 {
		fmt.Fprintf(b, "**Warning:** other processes used over %.0f%% of a core during some steps of: %s. Failed steps of those runs were run again, up to a limit; figures from them may understate the server.\n", 100*busyOthers, strings.Join(busy, "; "))
	}
}

// ceiling reports the generator's check against the null relay: at the best
// rate any server sustained, then twice that.
func (rep *Report) ceiling(b *strings.Builder) {
	b.WriteString("\n## Generator check\n\n")
	b.WriteString("The null relay (`loadgen nullserver`, pinned like the servers) forwards each event to its room and does nothing else. Held at the best rate any server sustained, then at twice that, it shows whether the generator could have measured more than the servers did.\n\n")
	b.WriteString("| scenario | rate (delivered ev/s) | result | p99 (ms) | generator CPU |\n|---|---:|---|---:|---:|\n")
	for _, run := range rep.Runs {
		if run.Setup != "null" || run.Result.Relay == nil {
			continue
		}
		for _, s := range run.Result.Relay.Steps {
			verdict := "✓"
			switch {
			case s.Noisy:
				verdict = "✗ (busy machine, run again)"
			case !s.Pass:
				verdict = "✗ " + s.Why
			}
			fmt.Fprintf(b, "| %s | %s | %s | %.1f | %.0f%% |\n", run.Scenario, count(s.TargetRate), verdict, s.Latency.P99, 100*s.CPU.Generator)
		}
	}
}

// generatorVerified reports whether the null relay passed, in scenario, at
// twice the best rate a server sustained.
func (rep *Report) generatorVerified(scenario string) bool {
	best := rep.bestRate(scenario)
	r := rep.find("null", scenario)
	if best == 0 || r == nil || r.Relay == nil {
		return false
	}
	for _, s := range r.Relay.Steps {
		if s.Pass && s.TargetRate >= 1.9*best {
			return true
		}
	}
	return false
}
