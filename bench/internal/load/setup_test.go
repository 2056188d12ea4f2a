package load

import (
	"slices"
	"strings"
	"testing"
)

func TestGoal(t *testing.T) {
	for _, tc := range []struct {
		goal  Goal
		ratio float64
		want  string
		met   bool
	}{
		{AtLeast(2), 2, "≥ 2×", true},
		{AtLeast(2), 1.99, "≥ 2×", false},
		{AtLeast(3.5), 4, "≥ 3.5×", true},
		{AtMost(0.5), 0.5, "≤ 0.5×", true},
		{AtMost(0.5), 0.51, "≤ 0.5×", false},
		{AtMost(1), 0.2, "≤ 1×", true},
	} {
		if got := tc.goal.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.goal, got, tc.want)
		}
		if got := tc.goal.Met(tc.ratio); got != tc.met {
			t.Errorf("%v met by %v = %v, want %v", tc.goal, tc.ratio, got, tc.met)
		}
	}
}

func TestNodeAddr(t *testing.T) {
	for _, tc := range []struct {
		name     string
		addrs    []string
		roomSize int
		want     string // the address of clients 0, 1, 2, ... by letter
	}{
		{"one node", []string{"a"}, 2, "aaaaaa"},
		{"pairs over two nodes: every pair spans both", []string{"a", "b"}, 2, "ababab"},
		{"rooms of 3 over two: each room starts on the first", []string{"a", "b"}, 3, "abaabaaba"},
		{"rooms of 10 over two: 5 and 5", []string{"a", "b"}, 10, "ababababab" + "abab"},
		{"rooms of 4 over three", []string{"a", "b", "c"}, 4, "abca" + "abca"},
	} {
		var got strings.Builder
		for i := range len(tc.want) {
			got.WriteString(nodeAddr(tc.addrs, tc.roomSize, i))
		}
		if got.String() != tc.want {
			t.Errorf("%s: clients go to %s, want %s", tc.name, got.String(), tc.want)
		}
	}
}

func TestSetups(t *testing.T) {
	setups := Setups()
	keys := map[string]bool{}
	baselines := 0
	for _, su := range setups {
		if keys[su.Key] {
			t.Errorf("setup key %s twice", su.Key)
		}
		keys[su.Key] = true
		if su.Baseline {
			baselines++
		}
		if _, err := su.spec(CompareOptions{Roomcast: "bin/roomcast", Node: "node", Reference: "server.mjs", Generator: "loadgen"}); err != nil {
			t.Error(err)
		}
	}
	if baselines != 1 {
		t.Errorf("%d baseline setups, want 1", baselines)
	}
	known := map[string]bool{}
	for _, m := range (&Report{}).metrics() {
		known[m.id] = true
	}
	for _, su := range setups {
		tables := append([]Versus(nil), su.Also...)
		if su.Versus != nil {
			tables = append(tables, *su.Versus)
		}
		for _, v := range tables {
			if !keys[v.Setup] || v.Setup == su.Key {
				t.Errorf("%s is compared with %q, which is no other setup", su.Key, v.Setup)
			}
			for id := range v.Goals {
				if !known[id] {
					t.Errorf("%s has a goal for %q, which is no metric", su.Key, id)
				}
			}
		}
	}
	if got := SmokeSetups(); len(got) != 3 || !got[0].Baseline {
		t.Errorf("SmokeSetups = %v, want the reference, roomcast and two roomcast nodes with Redis", got)
	}
	two := setups[slices.IndexFunc(setups, func(su Setup) bool { return su.Key == "roomcast-2nodes" })]
	if two.nodes() != 2 || !two.Redis || two.Versus == nil || two.Versus.Setup != "roomcast" || two.Versus.Goals[MetricMaxSustained] != AtLeast(0.5) {
		t.Errorf("the two-node setup %+v, want 2 nodes with Redis, compared with roomcast, max sustained ≥ 0.5×", two)
	}
}

func TestSetupSpec(t *testing.T) {
	o := CompareOptions{Roomcast: "bin/roomcast", Node: "node", Reference: "server.mjs", Generator: "loadgen", Pin: true}
	su := Setup{Key: "roomcast-recovery", Server: ServerRoomcast, CPUs: "0", Env: []string{"GOGC=200"},
		Args: []string{"--recovery-window", "2m"}, Nodes: 2}
	spec, err := su.spec(o)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bin/roomcast", "--addr", "127.0.0.1:0", "--log-format", "json", "--max-connections-per-ip", "0", "--recovery-window", "2m"}
	if !slices.Equal(spec.Argv, want) || !slices.Equal(spec.Env, su.Env) || spec.CPUs != "0" {
		t.Errorf("spec = %+v, want argv %v, env %v, CPUs 0", spec, want, su.Env)
	}
	if su.nodes() != 2 || (Setup{}).nodes() != 1 {
		t.Errorf("nodes() = %d and %d for 2 and unset, want 2 and 1", su.nodes(), (Setup{}).nodes())
	}
	o.Pin = false
	if spec, _ := su.spec(o); spec.CPUs != "" {
		t.Errorf("unpinned spec has CPUs %q", spec.CPUs)
	}
	if _, err := (Setup{Key: "x", Server: "nginx"}).spec(o); err == nil || !strings.Contains(err.Error(), `unknown server "nginx"`) {
		t.Errorf("an unknown server gave %v, want an error naming it", err)
	}
}

func TestBaselineFirst(t *testing.T) {
	got := baselineFirst([]Setup{{Key: "roomcast"}, {Key: "roomcast-all"}, {Key: "reference", Baseline: true}, {Key: "null"}})
	var keys []string
	for _, su := range got {
		keys = append(keys, su.Key)
	}
	if want := []string{"reference", "roomcast", "roomcast-all", "null"}; !slices.Equal(keys, want) {
		t.Errorf("order %v, want %v", keys, want)
	}
}

func TestGeneratorArgs(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scenario string
		plan     runPlan
		want     string
	}{
		{"ramp", "pairs", runPlan{}, "run --scenario pairs --addr A,B --pid 7,8 --json"},
		{"same rate", "classroom", runPlan{sameRate: 48000}, "run --scenario classroom --addr A,B --pid 7,8 --json --same-rate 48000"},
		{"no same rate outside the relay scenarios", "idle", runPlan{sameRate: 48000}, "run --scenario idle --addr A,B --pid 7,8 --json"},
		{"ceiling", "pairs", runPlan{rates: []float64{12000, 24000}}, "run --scenario pairs --addr A,B --pid 7,8 --json --rates 12000,24000"},
		{"redis", "pairs", runPlan{redisPID: 9}, "run --scenario pairs --addr A,B --pid 7,8 --json --redis-pid 9"},
	} {
		got := strings.Join(generatorArgs(tc.scenario, []string{"A", "B"}, []int{7, 8}, false, tc.plan), " ")
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
