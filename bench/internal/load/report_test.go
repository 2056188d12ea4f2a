package load

import (
	"encoding/json"
	"strings"
	"testing"
)

// recoverySetup is how a setup comparing two roomcast configurations is
// added: extra flags, and a goal for the ratio to plain roomcast.
var recoverySetup = Setup{Key: "roomcast-recovery", Label: "roomcast, recovery on, 1 core", Server: ServerRoomcast, CPUs: "0",
	Args: []string{"--recovery-window", "2m"}, Scenarios: relayScenarios,
	Versus: &Versus{Setup: "roomcast", Goals: map[string]Goal{MetricMaxSustained: AtLeast(0.9)}}}

// step is a relay step at rate with the server using server cores.
func step(rate float64, role string, pass bool, p99, server float64) StepResult {
	s := StepResult{Role: role, TargetRate: rate, Rate: rate, Seconds: 4, Delivered: int64(rate * 4), Pass: pass,
		Latency: Latencies{P50: 1, P99: p99, P999: 2 * p99}, CPU: CPU{Server: server, Generator: 0.3}}
	if !pass {
		s.Why = "p99 too high"
	}
	return s
}

// relayOf is a relay result whose best step is steps[best], half step
// steps[half] and same-rate step steps[same] (-1: none).
func relayOf(steps []StepResult, best, half, same int) *RelayResult {
	rr := &RelayResult{Steps: steps}
	pick := func(i int) *StepResult {
		if i < 0 {
			return nil
		}
		s := steps[i]
		return &s
	}
	rr.Best, rr.Half, rr.Same = pick(best), pick(half), pick(same)
	if rr.Best != nil {
		rr.MaxSustained = rr.Best.Rate
	}
	return rr
}

func testReport() *Report {
	ref := relayOf([]StepResult{
		step(4000, "", true, 2, 0.2), step(20000, "", true, 40, 0.9), step(40000, "", false, 900, 1),
		step(10000, roleHalf, true, 10, 0.5),
	}, 1, 3, -1)
	rc := relayOf([]StepResult{
		step(4000, "", true, 5, 0.6), step(8000, "", false, 120, 1), step(6000, "", true, 60, 0.9),
		step(3000, roleHalf, true, 4, 0.4), step(10000, roleSameRate, false, 150, 0.2),
	}, 2, 3, 4)
	rec := relayOf([]StepResult{step(4000, "", true, 5, 0.6), step(5700, "", true, 70, 0.9)}, 1, -1, -1)
	idle := func(kb float64) Result {
		return Result{Scenario: "idle", Idle: &IdleResult{Conns: 10, RSSAfter: 1, PerConn: kb * 1024, ConnectSecs: 1, ConnectRate: 10}}
	}
	storm := Result{Scenario: "storm", Storm: &StormResult{Clients: 10, Acked: 10, AllSecs: 3}}
	return &Report{Setups: append(Setups(), recoverySetup), Machine: Machine{CPU: "Test CPU", Cores: 2, Pinning: true}, Runs: []Measurement{
		{Setup: "reference", Scenario: "pairs", Result: Result{Scenario: "pairs", Relay: ref}, Quiet: true},
		{Setup: "roomcast", Scenario: "pairs", Result: Result{Scenario: "pairs", Relay: rc}, Quiet: true},
		{Setup: "roomcast-recovery", Scenario: "pairs", Result: Result{Scenario: "pairs", Relay: rec}, Quiet: true},
		{Setup: "reference", Scenario: "classroom", Result: Result{Scenario: "classroom", Relay: relayOf([]StepResult{
			step(4000, "", true, 2, 0.1), step(2000, roleHalf, true, 1, 0.05)}, 0, 1, -1)}},
		{Setup: "roomcast", Scenario: "classroom", Result: Result{Scenario: "classroom", Error: "client 3: dial: connection refused"}},
		{Setup: "reference", Scenario: "idle", Result: idle(15)},
		{Setup: "roomcast", Scenario: "idle", Result: idle(60)},
		{Setup: "reference", Scenario: "storm", Result: storm},
		{Setup: "roomcast", Scenario: "storm", Result: storm},
	}}
}

func TestMarkdown(t *testing.T) {
	rep := testReport()
	md := rep.Markdown()
	for _, want := range []string{
		"Test CPU, 2 cores",
		"every setup held the reference's half-load rate: 10,000 delivered ev/s in pairs, 2,000 delivered ev/s in classroom.",
		"## Per core (each server pinned to one core)",
		"| metric | roomcast, 1 core | reference, 1 core | roomcast / reference | target | met |",
		"| pairs: max sustained delivered events/s | 6,000 | 20,000 | 0.30× | ≥ 2× | no |",
		// Measured on a failed step: not met, whatever the ratio.
		"| pairs: latency p99 at the reference's half load, 10,000 ev/s (ms) | 150.00 ✗ | 10.00 | 15.00× | ≤ 1× | no |",
		"| pairs: server CPU per delivered event at the reference's half load, 10,000 ev/s (µs) | 20.0 ✗ | 50.0 | 0.40× | ≤ 0.5× | no |",
		"| pairs: latency p99 at 50% of its own max (ms) | 4.00 | 10.00 | 0.40× | – |  |",
		"| pairs: server CPU at 4,000 delivered ev/s (% of a core) | 60% | 20% | 3.00× | – |  |",
		"| pairs: server CPU per delivered event at max (µs) | 150.0 | 45.0 | 3.33× | – |  |",
		"| idle: server RSS per connection (KB) | 60.0 | 15.0 | 4.00× | ≤ 1× | no |",
		"| join storm: all joins acked after (s) | 3.00 | 3.00 | 1.00× | ≤ 1× | yes |",
		"✗: measured in a step that failed",
		// A ratio between two roomcast setups, with the reference for context.
		"## roomcast, recovery on, 1 core vs roomcast, 1 core",
		"| metric | roomcast, recovery on, 1 core | roomcast, 1 core | reference, 1 core | roomcast, recovery on, 1 core / roomcast, 1 core | target | met |",
		"| pairs: max sustained delivered events/s | 5,700 | 6,000 | 20,000 | 0.95× | ≥ 0.9× | yes |",
		"10,000 ✗ p99 too high (same rate)",
		"3,000 ✓ (half of max)",
		"## The targets",
		"| roomcast, 1 core / reference, 1 core | pairs: max sustained delivered events/s ≥ 2× | 6,000 vs 20,000: 0.30× | no |",
		"| roomcast, 1 core / reference, 1 core | pairs: latency p99 at the reference's half load, 10,000 ev/s (ms) ≤ 1× | 150.00 ✗ vs 10.00: 15.00× (on a failed step) | no |",
		// A server that sustained nothing meets no goal.
		"| roomcast, 1 core / reference, 1 core | classroom: max sustained delivered events/s ≥ 2× | none vs 4,000 | no |",
		"| classroom: latency p99 at the reference's half load, 2,000 ev/s (ms) | – | 1.00 | – | ≤ 1× | no |",
		// Goals of a scenario the compared setup did not run.
		"| roomcast, recovery on, 1 core / roomcast, 1 core | classroom: max sustained delivered events/s ≥ 0.9× | not measured | – |",
		"| roomcast, recovery on, 1 core / roomcast, 1 core | pairs: max sustained delivered events/s ≥ 0.9× | 5,700 vs 6,000: 0.95× | yes |",
		"2 of 10 targets met.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	for _, unwanted := range []string{
		"## Per machine", // roomcast-all did not run
		"GOGC=400",
		"p50 at 50% of its own max (ms) | 1.00 | 1.00 | 1.00× | – |  |\n| pairs: latency p99 at 50% of its own max (ms) | 4.00 | 10.00 | 0.40× | – |  |\n| pairs: latency p99.9 at 50% of its own max (ms) | 8.00 | 20.00 | 0.40× | – |  |\n| pairs: server CPU at 4,000 delivered ev/s (% of a core) | 60% | 20% | 3.00× | – |  |\n| pairs: server CPU per delivered event at max (µs) | 150.0 | 45.0 | 3.33× | – |  |\n| pairs: max sustained delivered events/s | 5,700",
		"\n\n\n",
	} {
		if strings.Contains(md, unwanted) {
			t.Errorf("Markdown has %q:\n%s", unwanted, md)
		}
	}

	// The saved JSON renders the same tables again.
	raw, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var again Report
	if err := json.Unmarshal(raw, &again); err != nil {
		t.Fatal(err)
	}
	if got := again.Markdown(); got != md {
		t.Errorf("Markdown of the saved report differs:\n%s\nwant:\n%s", got, md)
	}
}

func TestMarkdownLeavesOutScenariosNotRun(t *testing.T) {
	rep := testReport()
	var pairs []Measurement
	for _, run := range rep.Runs {
		if run.Scenario == "pairs" {
			pairs = append(pairs, run)
		}
	}
	rep.Runs = pairs
	md := rep.Markdown()
	if !strings.Contains(md, "| pairs: max sustained delivered events/s | 6,000 |") {
		t.Errorf("Markdown lacks the pairs rows:\n%s", md)
	}
	for _, unwanted := range []string{"classroom:", "idle:", "join storm:"} {
		if strings.Contains(md, unwanted) {
			t.Errorf("Markdown has rows of a scenario that did not run (%q):\n%s", unwanted, md)
		}
	}
}

func TestMarkdownSummaryTable(t *testing.T) {
	rep := testReport()
	rep.Runs = append(rep.Runs, Measurement{Setup: "roomcast-all", Scenario: "pairs", Result: Result{Scenario: "pairs",
		Relay: relayOf([]StepResult{step(80000, "", true, 50, 1.8), step(40000, roleHalf, true, 5, 0.9), step(10000, roleSameRate, true, 3, 0.3)}, 0, 1, 2)}})
	md := rep.Markdown()
	table := md[strings.Index(md, "## Per machine"):]
	table = table[:strings.Index(table[1:], "##")+1]
	for _, want := range []string{
		"| pairs: max sustained delivered events/s | 80,000 | 20,000 | 4.00× | ≥ 3.5× | yes |",
		"| pairs: latency p99 at the reference's half load, 10,000 ev/s (ms) | 3.00 | 10.00 | 0.30× | – |  |",
		"| pairs: server CPU per delivered event at the reference's half load, 10,000 ev/s (µs) | 30.0 | 50.0 | 0.60× | – |  |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the per-machine table lacks %q:\n%s", want, table)
		}
	}
	// Only the summary rows: not the detail of the per-core table.
	if strings.Contains(table, "p50") || strings.Contains(table, "own max") || strings.Contains(table, "idle") {
		t.Errorf("the per-machine table has detail rows, or rows of scenarios it did not run:\n%s", table)
	}
}

func TestAdoptCurrentSetups(t *testing.T) {
	rep := testReport()
	want := rep.Markdown()
	for i := range rep.Setups {
		if rep.Setups[i].Key != recoverySetup.Key {
			rep.Setups[i].Versus, rep.Setups[i].Also, rep.Setups[i].Baseline = nil, nil, false
		}
	}
	recovery := rep.Setups[len(rep.Setups)-1]
	rep.Setups[len(rep.Setups)-1].Versus = nil // an old report has no Versus at all
	rep.AdoptCurrentSetups()
	rep.Setups[len(rep.Setups)-1] = recovery
	if got := rep.Markdown(); got != want {
		t.Errorf("a report without tables renders, after AdoptCurrentSetups:\n%s\nwant:\n%s", got, want)
	}

	// A report that has tables keeps its own.
	rep = testReport()
	rep.Setups[1].Versus = &Versus{Setup: "reference", Title: "Mine"}
	rep.AdoptCurrentSetups()
	if rep.Setups[1].Versus.Title != "Mine" {
		t.Errorf("AdoptCurrentSetups replaced a report's own table")
	}
}

func TestMarkdownTwoNodesTable(t *testing.T) {
	rep := testReport()
	withRedis := func(s StepResult, redis float64) StepResult {
		s.CPU.Redis = &redis
		return s
	}
	rep.Runs = append(rep.Runs, Measurement{Setup: "roomcast-2nodes", Scenario: "pairs", Result: Result{Scenario: "pairs",
		Relay: relayOf([]StepResult{withRedis(step(4000, "", true, 8, 0.7), 0.2), withRedis(step(2000, roleHalf, true, 4, 0.35), 0.1),
			withRedis(step(10000, roleSameRate, false, 300, 0.9), 0.3)}, 0, 1, 2)}})
	md := rep.Markdown()
	table := md[strings.Index(md, "## Two nodes sharing rooms through Redis"):]
	table = table[:strings.Index(table[1:], "##")+1]
	for _, want := range []string{
		"| metric | roomcast, 2 nodes + Redis, 1 core | roomcast, 1 core | reference, 1 core | roomcast, 2 nodes + Redis, 1 core / roomcast, 1 core | target | met |",
		"| pairs: max sustained delivered events/s | 4,000 | 6,000 | 20,000 | 0.67× | ≥ 0.5× | yes |",
		"| pairs: latency p99 at the reference's half load, 10,000 ev/s (ms) | 300.00 ✗ | 150.00 ✗ | 10.00 | 2.00× | – |  |",
		// 0.3 cores for 4 s over 40,000 events; the one node has no Redis.
		"| pairs: Redis CPU per delivered event at the reference's half load, 10,000 ev/s (µs) | 30.0 ✗ | – | – | – | – |  |",
		"| pairs: Redis CPU per delivered event at max (µs) | 50.0 | – | – | – | – |  |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the two-node table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(md[:strings.Index(md, "## Two nodes")], "Redis CPU") {
		t.Errorf("a table of setups without Redis has Redis rows:\n%s", md)
	}
	if !strings.Contains(md, "| roomcast, 2 nodes + Redis, 1 core / roomcast, 1 core | pairs: max sustained delivered events/s ≥ 0.5× | 4,000 vs 6,000: 0.67× | yes |") {
		t.Errorf("the targets lack the two-node goal:\n%s", md)
	}
}

// A setup's further table (Also) shows once the setup it is compared with
// has run too, with its goals among the targets.
func TestAlsoTable(t *testing.T) {
	rep := testReport()
	const title = "## The cost of connection state recovery (on by default; 1 core)"
	if md := rep.Markdown(); strings.Contains(md, title) {
		t.Errorf("a table against a setup that did not run:\n%s", md)
	}
	rep.Runs = append(rep.Runs, Measurement{Setup: "roomcast-norecovery", Scenario: "pairs", Quiet: true, Result: Result{Scenario: "pairs",
		Relay: relayOf([]StepResult{step(4000, "", true, 5, 0.6), step(6500, "", true, 60, 0.9)}, 1, -1, -1)}})
	md := rep.Markdown()
	for _, want := range []string{
		title,
		"| metric | roomcast, 1 core | roomcast, recovery off, 1 core | reference, 1 core | roomcast, 1 core / roomcast, recovery off, 1 core | target | met |",
		"| pairs: max sustained delivered events/s | 6,000 | 6,500 | 20,000 | 0.92× | ≥ 0.9× | yes |",
		"| roomcast, 1 core / roomcast, recovery off, 1 core | pairs: max sustained delivered events/s ≥ 0.9× | 6,000 vs 6,500: 0.92× | yes |",
		"| roomcast, 1 core / roomcast, recovery off, 1 core | classroom: max sustained delivered events/s ≥ 0.9× | not measured | – |",
		"3 of 12 targets met.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Count(md, "## Per core") != 1 {
		t.Errorf("the setup's own table is not there once:\n%s", md)
	}
}
