package load

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on
// every Linux architecture's user ABI).
const userHZ = 100

// ProcCPU is the CPU time (user + system, all threads) process pid has used,
// from /proc/PID/stat.
func ProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// ProcRSS is the resident set size of process pid in bytes, from VmRSS in
// /proc/PID/status.
func ProcRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", rest, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// SelfCPU is the CPU time this process has used (getrusage RUSAGE_SELF).
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// MachineCPU is the CPU time all cores of the machine spent, from the first
// line of /proc/stat.
type MachineCPU struct {
	Tasks time.Duration // user, nice, system: the time charged to processes
	IRQ   time.Duration // irq, softirq: mostly the loopback network stack
	Steal time.Duration // taken by the hypervisor for other machines
}

// ReadMachineCPU reads /proc/stat.
func ReadMachineCPU() MachineCPU {
	var m MachineCPU
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return m
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return m
	}
	tick := func(i int) time.Duration {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(n) * time.Second / userHZ
	}
	// cpu user nice system idle iowait irq softirq steal ...
	m.Tasks = tick(1) + tick(2) + tick(3)
	m.IRQ = tick(6) + tick(7)
	m.Steal = tick(8)
	return m
}

// cpuMeter measures the CPU share of the servers, of the generator and of
// everything else on the machine over a window of wall time.
type cpuMeter struct {
	pids       []int
	start      time.Time
	srv0, gen0 time.Duration
	srvOK      bool
	m0         MachineCPU
	// redisPID, when set, is a redis-server the servers share rooms
	// through, measured apart from them since redis0.
	redisPID int
	redis0   time.Duration
}

func startCPU(pids []int) cpuMeter {
	m := cpuMeter{pids: pids, start: time.Now(), gen0: SelfCPU(), m0: ReadMachineCPU()}
	m.srv0, m.srvOK = serversCPU(pids)
	return m
}

// alsoRedis measures the redis-server pid apart from the servers, from now;
// pid 0 is none.
func (m cpuMeter) alsoRedis(pid int) cpuMeter {
	if pid <= 0 {
		return m
	}
	if t, err := ProcCPU(pid); err == nil {
		m.redisPID, m.redis0 = pid, t
	}
	return m
}

// serversCPU is the CPU time the processes pids used together; false when
// there are none or one cannot be read.
func serversCPU(pids []int) (time.Duration, bool) {
	var sum time.Duration
	for _, pid := range pids {
		t, err := ProcCPU(pid)
		if err != nil {
			return 0, false
		}
		sum += t
	}
	return sum, len(pids) > 0
}

// ServersRSS is the resident set size of the processes pids together.
func ServersRSS(pids []int) (int64, error) {
	var sum int64
	for _, pid := range pids {
		rss, err := ProcRSS(pid)
		if err != nil {
			return 0, err
		}
		sum += rss
	}
	return sum, nil
}

// CPU is a window's CPU use, each in cores (1 = one core busy all the time).
type CPU struct {
	// Server is the servers' time, all nodes together; -1 when their pids
	// are unknown.
	Server    float64 `json:"server"`
	Generator float64 `json:"generator"`
	// Redis is the redis-server's time, for a setup whose nodes share
	// rooms through one; absent otherwise.
	Redis *float64 `json:"redis,omitempty"`
	// IRQ is interrupt and softirq time, which the kernel charges to no
	// process: on an otherwise quiet machine, the loopback network stack
	// carrying the benchmark's own traffic.
	IRQ float64 `json:"irq"`
	// Other is the processes' time less the server's, Redis's and the
	// generator's, plus steal: what the rest of the machine took.
	Other float64 `json:"other"`
}

func (m cpuMeter) stop() CPU {
	wall := time.Since(m.start).Seconds()
	c := CPU{Server: -1, Generator: (SelfCPU() - m.gen0).Seconds() / wall}
	m1 := ReadMachineCPU()
	if t, ok := serversCPU(m.pids); ok && m.srvOK {
		c.Server = (t - m.srv0).Seconds() / wall
	}
	redis := 0.0
	if m.redisPID > 0 {
		if t, err := ProcCPU(m.redisPID); err == nil {
			redis = (t - m.redis0).Seconds() / wall
			c.Redis = &redis
		}
	}
	c.IRQ = (m1.IRQ - m.m0.IRQ).Seconds() / wall
	tasks := (m1.Tasks - m.m0.Tasks).Seconds() / wall
	c.Other = max(0, tasks-c.Generator-max(c.Server, 0)-redis) + (m1.Steal-m.m0.Steal).Seconds()/wall
	return c
}

func (c CPU) String() string {
	redis := ""
	if c.Redis != nil {
		redis = fmt.Sprintf(", redis %.0f%%", 100**c.Redis)
	}
	return fmt.Sprintf("CPU: server %.0f%%%s, generator %.0f%%, irq %.0f%%, others %.0f%%", 100*c.Server, redis, 100*c.Generator, 100*c.IRQ, 100*c.Other)
}

// Latencies summarises latency samples, in milliseconds.
type Latencies struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

// summarize sorts ns in place and reads its percentiles.
func summarize(ns []int64) Latencies {
	if len(ns) == 0 {
		return Latencies{}
	}
	slices.Sort(ns)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(ns)))) - 1
		i = max(0, min(i, len(ns)-1))
		return float64(ns[i]) / 1e6
	}
	return Latencies{N: len(ns), P50: at(0.50), P99: at(0.99), P999: at(0.999), Max: float64(ns[len(ns)-1]) / 1e6}
}

// quietCores is how busy the rest of the machine may be, in cores, for it to
// count as quiet.
const quietCores = 0.15

// WaitQuiet waits up to limit for one second in which everything on the
// machine but this process and the servers pids used at most quietCores,
// sampling every half second. It reports whether it found one. Benchmarks on
// a shared machine run when others are quiet, if they can.
func WaitQuiet(ctx context.Context, pids []int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	calm := 0
	for {
		m := startCPU(pids)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(500 * time.Millisecond):
		}
		c := m.stop()
		if c.Other+c.IRQ <= quietCores {
			calm++
		} else {
			calm = 0
		}
		if calm >= 2 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
