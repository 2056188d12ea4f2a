package load

import (
	"strings"
	"testing"
)

func TestBenchEventRoundTrip(t *testing.T) {
	frame := appendBenchEvent(nil, 17, 42, 7, 3, 123456789)
	if !strings.HasPrefix(string(frame), `4217["ice",{`) {
		t.Fatalf("frame %s does not start with the ack id and the event", frame)
	}
	// What a server relays: no ack id, "from" added, keys in any order.
	relayed := []byte(`42["ice",{"bts":123456789,"bstep":3,"from":"abc","bseq":7,"bsrc":42,"candidate":"x"}]`)
	for key, want := range map[string]int64{`"bsrc":`: 42, `"bseq":`: 7, `"bstep":`: 3, `"bts":`: 123456789} {
		if got := field(relayed, key); got != want {
			t.Errorf("field(%s) = %d, want %d", key, got, want)
		}
	}
	if got := field(relayed, `"nope":`); got != -1 {
		t.Errorf("missing field = %d, want -1", got)
	}
	if got := field([]byte(`{"bseq":"7"}`), `"bseq":`); got != -1 {
		t.Errorf("non-numeric field = %d, want -1", got)
	}
}

func TestRoundRate(t *testing.T) {
	for in, want := range map[float64]float64{12345: 12000, 999: 1000, 2500: 2500, 87: 87, 0: 0} {
		if got := roundRate(in); got != want {
			t.Errorf("roundRate(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestSummarize(t *testing.T) {
	ns := make([]int64, 1000)
	for i := range ns {
		ns[i] = int64(1000-i) * 1e6 // 1000 ms down to 1 ms
	}
	l := summarize(ns)
	if l.N != 1000 || l.P50 != 500 || l.P99 != 990 || l.P999 != 999 || l.Max != 1000 {
		t.Errorf("summarize = %+v, want n 1000, p50 500, p99 990, p99.9 999, max 1000", l)
	}
	if (summarize(nil) != Latencies{}) {
		t.Error("summarize(nil) is not zero")
	}
}

func TestRamp(t *testing.T) {
	capacity := 13000.0
	var tried []float64
	best, err := ramp(RelayConfig{StartRate: 4000, Bisect: 2, MaxSteps: 10}, func(rate float64) (StepResult, error) {
		tried = append(tried, rate)
		return StepResult{TargetRate: rate, Rate: rate, Pass: rate <= capacity}, nil
	})
	if err != nil || best == nil {
		t.Fatalf("ramp = %v, %v", best, err)
	}
	want := []float64{4000, 8000, 16000, 12000, 14000}
	if len(tried) != len(want) {
		t.Fatalf("tried %v, want %v", tried, want)
	}
	for i := range want {
		if tried[i] != want[i] {
			t.Fatalf("tried %v, want %v", tried, want)
		}
	}
	if best.TargetRate != 12000 {
		t.Errorf("best = %v, want 12000", best.TargetRate)
	}

	// A first step that fails halves until one passes.
	tried = nil
	best, _ = ramp(RelayConfig{StartRate: 4000, Bisect: 1, MaxSteps: 10}, func(rate float64) (StepResult, error) {
		tried = append(tried, rate)
		return StepResult{TargetRate: rate, Rate: rate, Pass: rate <= 1500}, nil
	})
	if best == nil || best.TargetRate != 1500 || len(tried) != 4 { // 4000, 2000, 1000, 1500
		t.Errorf("best %v after %v, want 1500 after 4000, 2000, 1000, 1500", best, tried)
	}
}

func TestJudge(t *testing.T) {
	ok := StepResult{Sent: 1000, Expected: 1000, Delivered: 1000, Ratio: 1, Latency: Latencies{P99: 5}}
	if pass, why := judge(ok, 1000, false); !pass {
		t.Errorf("a clean step failed: %s", why)
	}
	for name, mutate := range map[string]func(*StepResult){
		"lost":      func(s *StepResult) { s.Delivered, s.Ratio = 998, 0.998 },
		"reordered": func(s *StepResult) { s.Reordered = 1 },
		"misrouted": func(s *StepResult) { s.Misrouted = 1 },
		"slow":      func(s *StepResult) { s.Latency.P99 = 101 },
		"unsent":    func(s *StepResult) { s.Sent = 980 },
	} {
		s := ok
		mutate(&s)
		if pass, _ := judge(s, 1000, false); pass {
			t.Errorf("%s: step passed", name)
		}
	}
}
