package load

import (
	"fmt"
	"math"
	"strings"
)

// Metric IDs: the figures of the report's tables, as Versus.Goals name them.
// A relay metric exists once per relay scenario.
const (
	MetricMaxSustained = "max-sustained" // the highest delivered events/s sustained
	// At the baseline's half-load rate, the same offered rate for every setup.
	MetricP50SameRate         = "p50-same-rate"
	MetricP99SameRate         = "p99-same-rate"
	MetricP999SameRate        = "p999-same-rate"
	MetricCPUPerEventSameRate = "cpu-per-event-same-rate" // server CPU per delivered event
	// At 50% of the setup's own max sustained rate.
	MetricP50Half  = "p50-half"
	MetricP99Half  = "p99-half"
	MetricP999Half = "p999-half"
	// Server CPU at the ramp's first rate, which every server runs.
	MetricCPUAtStartRate = "cpu-at-start-rate"
	MetricCPUPerEventMax = "cpu-per-event-max" // server CPU per delivered event at the max
	// Redis's own CPU per delivered event, for setups whose nodes share
	// rooms through Redis: at the same rate, and at the setup's max.
	MetricRedisCPUPerEventSameRate = "redis-cpu-per-event-same-rate"
	MetricRedisCPUPerEventMax      = "redis-cpu-per-event-max"
	MetricIdleRSS                  = "idle-rss-per-conn"
	MetricIdleRate                 = "idle-connect-rate"
	MetricStormAllAcked            = "storm-all-acked" // seconds until every join is acked
	MetricStormP99                 = "storm-p99"
	MetricStormFailed              = "storm-failed"
	MetricStormRetries             = "storm-reconnects"
)

// metric is one row of a table: a figure of one scenario, and how to read it.
type metric struct {
	id, scenario, name string
	// summary rows appear in every table; the others in detailed ones, or
	// where a goal names them.
	summary bool
	// redis rows appear only in the tables of setups with Redis.
	redis bool
	// value reads the figure; false when the result has none.
	value func(*Result) (float64, bool)
	// step, for a figure of one relay step, is that step (nil if none): a
	// figure of a failed step meets no goal.
	step   func(*Result) *StepResult
	format func(float64) string
}

// metrics are every row of the report, in order.
func (rep *Report) metrics() []metric {
	var out []metric
	for _, sc := range relayScenarios {
		out = append(out, relayMetrics(sc, rep.sameRate(sc))...)
	}
	return append(out, idleStormMetrics()...)
}

// stepMetric is a figure of the step that pick chooses from a relay result.
func stepMetric(id, scenario, name string, summary bool, pick func(*RelayResult) *StepResult, read func(*StepResult) float64, format func(float64) string) metric {
	step := func(r *Result) *StepResult {
		if r.Relay == nil {
			return nil
		}
		return pick(r.Relay)
	}
	return metric{id: id, scenario: scenario, name: name, summary: summary, format: format, step: step,
		value: func(r *Result) (float64, bool) {
			s := step(r)
			if s == nil {
				return 0, false
			}
			v := read(s)
			return v, !math.IsNaN(v)
		}}
}

// sameRateStep picks the step held at the baseline's half-load rate: the
// Same step of the other setups, the half-load step of the baseline itself.
func sameRateStep(rate float64) func(*RelayResult) *StepResult {
	return func(rr *RelayResult) *StepResult {
		if rr.Same != nil {
			return rr.Same
		}
		if rate > 0 && rr.Half != nil && rr.Half.TargetRate == rate {
			return rr.Half
		}
		return nil
	}
}

// halfStep picks the step at 50% of the setup's own max.
func halfStep(rr *RelayResult) *StepResult { return rr.Half }

// bestStep picks the best passing step.
func bestStep(rr *RelayResult) *StepResult { return rr.Best }

// rateStep picks the last clean step of the ramp held at rate.
func rateStep(rate float64) func(*RelayResult) *StepResult {
	return func(rr *RelayResult) *StepResult {
		for i := len(rr.Steps) - 1; i >= 0; i-- {
			if s := &rr.Steps[i]; s.TargetRate == rate && s.Role == "" && !s.Noisy && s.CPU.Server >= 0 {
				return s
			}
		}
		return nil
	}
}

func cpuPerEvent(s *StepResult) float64 {
	if s.Delivered == 0 || s.CPU.Server < 0 {
		return math.NaN()
	}
	return s.CPU.Server * s.Seconds / float64(s.Delivered) * 1e6
}

// redisCPUPerEvent is Redis's CPU time per delivered event, in µs; NaN for
// a step without Redis.
func redisCPUPerEvent(s *StepResult) float64 {
	if s.Delivered == 0 || s.CPU.Redis == nil {
		return math.NaN()
	}
	return *s.CPU.Redis * s.Seconds / float64(s.Delivered) * 1e6
}

func p50(s *StepResult) float64  { return s.Latency.P50 }
func p99(s *StepResult) float64  { return s.Latency.P99 }
func p999(s *StepResult) float64 { return s.Latency.P999 }

func millis(v float64) string  { return fmt.Sprintf("%.2f", v) }
func micros(v float64) string  { return fmt.Sprintf("%.1f", v) }
func percent(v float64) string { return fmt.Sprintf("%.0f%%", v) }

func relayMetrics(sc string, sameRate float64) []metric {
	same := "at the reference's half load"
	if sameRate > 0 {
		same += ", " + count(sameRate) + " ev/s"
	}
	at := sameRateStep(sameRate)
	return []metric{
		{id: MetricMaxSustained, scenario: sc, name: sc + ": max sustained delivered events/s", summary: true, format: count,
			value: func(r *Result) (float64, bool) {
				if r.Relay == nil || r.Relay.Best == nil {
					return 0, false
				}
				return r.Relay.MaxSustained, true
			}},
		stepMetric(MetricP50SameRate, sc, sc+": latency p50 "+same+" (ms)", false, at, p50, millis),
		stepMetric(MetricP99SameRate, sc, sc+": latency p99 "+same+" (ms)", true, at, p99, millis),
		stepMetric(MetricP999SameRate, sc, sc+": latency p99.9 "+same+" (ms)", false, at, p999, millis),
		stepMetric(MetricCPUPerEventSameRate, sc, sc+": server CPU per delivered event "+same+" (µs)", true, at, cpuPerEvent, micros),
		stepMetric(MetricP50Half, sc, sc+": latency p50 at 50% of its own max (ms)", false, halfStep, p50, millis),
		stepMetric(MetricP99Half, sc, sc+": latency p99 at 50% of its own max (ms)", false, halfStep, p99, millis),
		stepMetric(MetricP999Half, sc, sc+": latency p99.9 at 50% of its own max (ms)", false, halfStep, p999, millis),
		stepMetric(MetricCPUAtStartRate, sc, sc+": server CPU at "+count(rampStartRate)+" delivered ev/s (% of a core)", false,
			rateStep(rampStartRate), func(s *StepResult) float64 { return 100 * s.CPU.Server }, percent),
		stepMetric(MetricCPUPerEventMax, sc, sc+": server CPU per delivered event at max (µs)", false, bestStep, cpuPerEvent, micros),
		redisMetric(stepMetric(MetricRedisCPUPerEventSameRate, sc, sc+": Redis CPU per delivered event "+same+" (µs)", true, at, redisCPUPerEvent, micros)),
		redisMetric(stepMetric(MetricRedisCPUPerEventMax, sc, sc+": Redis CPU per delivered event at max (µs)", true, bestStep, redisCPUPerEvent, micros)),
	}
}

// redisMetric marks m as a figure of Redis, shown for setups with Redis
// only.
func redisMetric(m metric) metric {
	m.redis = true
	return m
}

func idleStormMetrics() []metric {
	// RSSAfter is 0 when the servers' pids were unknown, ConnectSecs when
	// the connections failed.
	idle := func(read func(*IdleResult) (float64, bool)) func(*Result) (float64, bool) {
		return func(r *Result) (float64, bool) {
			if r.Idle == nil {
				return 0, false
			}
			return read(r.Idle)
		}
	}
	storm := func(needAcks bool, read func(*StormResult) float64) func(*Result) (float64, bool) {
		return func(r *Result) (float64, bool) {
			if r.Storm == nil || needAcks && r.Storm.Acked == 0 {
				return 0, false
			}
			return read(r.Storm), true
		}
	}
	return []metric{
		{id: MetricIdleRSS, scenario: "idle", name: "idle: server RSS per connection (KB)", summary: true,
			value: idle(func(r *IdleResult) (float64, bool) { return r.PerConn / 1024, r.RSSAfter != 0 }), format: micros},
		{id: MetricIdleRate, scenario: "idle", name: "idle: connect+join rate (connections/s)",
			value: idle(func(r *IdleResult) (float64, bool) { return r.ConnectRate, r.ConnectSecs != 0 }), format: count},
		{id: MetricStormAllAcked, scenario: "storm", name: "join storm: all joins acked after (s)", summary: true,
			value: storm(true, func(r *StormResult) float64 { return r.AllSecs }), format: millis},
		{id: MetricStormP99, scenario: "storm", name: "join storm: join latency p99 (ms)",
			value: storm(true, func(r *StormResult) float64 { return r.Latency.P99 }), format: func(v float64) string { return fmt.Sprintf("%.0f", v) }},
		{id: MetricStormFailed, scenario: "storm", name: "join storm: failed joins",
			value: storm(false, func(r *StormResult) float64 { return float64(r.Errors) }), format: count},
		{id: MetricStormRetries, scenario: "storm", name: "join storm: reconnects after a stalled connect",
			value: storm(false, func(r *StormResult) float64 { return float64(r.Retries) }), format: count},
	}
}

// count formats a whole number with thousands separators.
func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
