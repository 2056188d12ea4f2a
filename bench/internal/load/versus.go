package load

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// goalRow is one goal of a table, as "The targets" lists it.
type goalRow struct {
	setups   string // "roomcast, 1 core / reference, 1 core": the ratio's
	metric   string
	goal     Goal
	measured string // "6,000 vs 20,000: 0.30×"
	// verdict is "yes", "no", or "–" when the goal could not be judged.
	verdict string
}

// judgeGoal judges goal on the figures of, over to. A figure of a failed
// step meets no goal, and neither does a setup that ran the scenario but has
// no figure where the one it is compared with has one.
func judgeGoal(goal Goal, of, to cell, ofRan bool) (measured, verdict string) {
	switch {
	case of.ok && to.ok && to.v != 0:
		q := of.v / to.v
		measured = fmt.Sprintf("%s vs %s: %.2f×", of.text, to.text, q)
		if of.failed || to.failed {
			return measured + " (on a failed step)", "no"
		}
		return measured, yesNo(goal.Met(q))
	case !of.ok && to.ok && ofRan:
		return "none vs " + to.text, "no"
	}
	return "not measured", "–"
}

// cell is one setup's figure in a row.
type cell struct {
	text   string
	v      float64
	ok     bool
	failed bool // measured on a step that failed
}

func (rep *Report) cell(key string, m metric) cell {
	c := cell{text: "–"}
	r := rep.find(key, m.scenario)
	if r == nil {
		return c
	}
	v, ok := m.value(r)
	if !ok || math.IsNaN(v) {
		return c
	}
	c.v, c.ok, c.text = v, true, m.format(v)
	if m.step != nil {
		if s := m.step(r); s != nil && !s.Pass {
			c.failed = true
			c.text += " ✗"
		}
	}
	return c
}

// versusColumns are the setups of su's table v: su, the one it is
// compared with, and the baseline for context when that is neither.
func (rep *Report) versusColumns(su *Setup, v *Versus) []string {
	cols := []string{su.Key, v.Setup}
	for _, other := range rep.Setups {
		if other.Baseline && !slices.Contains(cols, other.Key) {
			cols = append(cols, other.Key)
		}
	}
	return cols
}

func (rep *Report) label(key string) string {
	if su := rep.setup(key); su != nil {
		return su.Label
	}
	return key
}

// ratioLabel heads the ratio column: the servers' names, or the setups'
// labels when both run the same server.
func (rep *Report) ratioLabel(of, to string) string {
	a, c := rep.setup(of), rep.setup(to)
	if a == nil || c == nil {
		return "ratio"
	}
	if a.Server == c.Server {
		return a.Label + " / " + c.Label
	}
	return a.Server + " / " + c.Server
}

// versusTable renders su's table v (its Versus, or one of Also) and
// returns its goals.
func (rep *Report) versusTable(b *strings.Builder, su *Setup, v *Versus, metrics []metric) []goalRow {
	cols := rep.versusColumns(su, v)
	labels := make([]string, len(cols))
	for i, k := range cols {
		labels[i] = rep.label(k)
	}
	title := v.Title
	if title == "" {
		title = su.Label + " vs " + rep.label(v.Setup)
	}
	heading(b, title)
	fmt.Fprintf(b, "| metric | %s | %s | target | met |\n", strings.Join(labels, " | "), rep.ratioLabel(su.Key, v.Setup))
	fmt.Fprintf(b, "|---|%s---:|---|---|\n", strings.Repeat("---:|", len(cols)))
	var goals []goalRow
	anyFailed := false
	for _, m := range metrics {
		goal, hasGoal := v.Goals[m.id]
		if !slices.Contains(su.Scenarios, m.scenario) || !v.Detail && !m.summary && !hasGoal || m.redis && !su.Redis {
			continue
		}
		// A scenario left out of the run (--scenarios) has no row; one
		// that ran and failed keeps its rows, with dashes.
		if rep.find(su.Key, m.scenario) == nil && rep.find(v.Setup, m.scenario) == nil {
			continue
		}
		cells := make([]cell, len(cols))
		texts := make([]string, len(cols))
		for i, k := range cols {
			cells[i] = rep.cell(k, m)
			texts[i] = cells[i].text
			anyFailed = anyFailed || cells[i].failed
		}
		of, to := cells[0], cells[1]
		ratio, target, met := "–", "–", ""
		if of.ok && to.ok && to.v != 0 {
			ratio = fmt.Sprintf("%.2f×", of.v/to.v)
		}
		if hasGoal {
			g := goalRow{setups: su.Label + " / " + rep.label(v.Setup), metric: m.name, goal: goal}
			g.measured, g.verdict = judgeGoal(goal, of, to, rep.find(su.Key, m.scenario) != nil)
			target, met = goal.String(), g.verdict
			goals = append(goals, g)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", m.name, strings.Join(texts, " | "), ratio, target, met)
	}
	if anyFailed {
		b.WriteString("\n✗: measured in a step that failed (see Runs); a goal measured on it is not met.\n")
	}
	return goals
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// targets lists every goal of the tables and whether it was met.
func targets(b *strings.Builder, goals []goalRow) {
	if len(goals) == 0 {
		return
	}
	heading(b, "The targets")
	b.WriteString("| setups | target | measured | met |\n|---|---|---|---|\n")
	met := 0
	for _, g := range goals {
		if g.verdict == "yes" {
			met++
		}
		fmt.Fprintf(b, "| %s | %s %s | %s | %s |\n", g.setups, g.metric, g.goal, g.measured, g.verdict)
	}
	fmt.Fprintf(b, "\n%d of %d targets met.\n", met, len(goals))
}
