package load

import (
	"fmt"
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

func relayBest(r *Result) (float64, bool) {
	if r.Relay == nil || r.Relay.Best == nil {
		return 0, false
	}
	return r.Relay.MaxSustained, true
}

// heading starts a section, after exactly one blank line.
func heading(b *strings.Builder, title string) {
	switch s := b.String(); {
	case strings.HasSuffix(s, "\n\n"):
	case strings.HasSuffix(s, "\n"):
		b.WriteString("\n")
	default:
		b.WriteString("\n\n")
	}
	fmt.Fprintf(b, "## %s\n\n", title)
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
		fmt.Fprintf(&b, "Servers marked \"1 core\" ran pinned to core 0 (`taskset -c 0`), the load generator pinned to core %s; \"all cores\" ran unpinned. Every scenario started a fresh server; setups alternated within each scenario, the reference first.\n", GeneratorCPU)
	} else {
		b.WriteString("No pinning (taskset missing or a single core): servers and generator shared every core.\n")
	}
	if rep.Smoke {
		b.WriteString("\n")
		rep.smokeTable(&b)
	} else {
		var rates []string
		for _, sc := range relayScenarios {
			if rate := rep.sameRate(sc); rate > 0 {
				rates = append(rates, count(rate)+" delivered ev/s in "+sc)
			}
		}
		if len(rates) > 0 {
			fmt.Fprintf(&b, "\nSame-rate figures: after its own ramp, every setup held the reference's half-load rate: %s.\n", strings.Join(rates, ", "))
		}
		metrics := rep.metrics()
		var goals []goalRow
		for i := range rep.Setups {
			su := &rep.Setups[i]
			if su.Versus != nil && rep.ran(su.Key) {
				goals = append(goals, rep.versusTable(&b, su, su.Versus, metrics)...)
			}
			for j := range su.Also {
				if v := &su.Also[j]; rep.ran(su.Key) && rep.ran(v.Setup) {
					goals = append(goals, rep.versusTable(&b, su, v, metrics)...)
				}
			}
		}
		if rep.ran("null") {
			rep.ceiling(&b)
		}
		rep.stepsSection(&b)
		targets(&b, goals)
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

// ran reports whether setup key ran any scenario.
func (rep *Report) ran(key string) bool {
	for _, run := range rep.Runs {
		if run.Setup == key {
			return true
		}
	}
	return false
}

// AdoptCurrentSetups gives a report saved before setups carried their tables
// and goals (no setup has Versus or Baseline) those of Setups(), by key, so
// that it renders with the current tables.
func (rep *Report) AdoptCurrentSetups() {
	for _, su := range rep.Setups {
		if su.Versus != nil || len(su.Also) > 0 || su.Baseline {
			return
		}
	}
	current := Setups()
	for i := range rep.Setups {
		for _, c := range current {
			if c.Key == rep.Setups[i].Key {
				rep.Setups[i].Versus, rep.Setups[i].Also, rep.Setups[i].Baseline = c.Versus, c.Also, c.Baseline
			}
		}
	}
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
				what = append(what, fmt.Sprintf("%s %s%s", count(s.TargetRate), mark, roleNote(s.Role)))
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

// roleNote tells the Runs section which steps were not the ramp's.
func roleNote(role string) string {
	switch role {
	case roleHalf:
		return " (half of max)"
	case roleSameRate:
		return " (same rate)"
	}
	return ""
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
