package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// BenchEvent is the relayed event every relay scenario sends: a trickled ICE
// candidate, the most frequent signaling message of a call.
const BenchEvent = "ice"

// RelayConfig describes a relay scenario: Rooms rooms of RoomSize clients,
// each client sending BenchEvent to its room at a rate the ramp chooses.
type RelayConfig struct {
	Name     string // "pairs", "classroom", "smoke-pairs"
	Rooms    int
	RoomSize int
	// Step is how long each rate is held.
	Step time.Duration
	// Rates, when set, are run in order instead of the ramp (smoke mode).
	Rates []float64
	// StartRate is the ramp's first delivered-events/s rate; it doubles until a
	// step fails, then bisects Bisect times between the best passing and the
	// first failing rate. MaxSteps bounds the whole search.
	StartRate float64
	Bisect    int
	MaxSteps  int
	// HalfRun holds 50% of the best passing rate for one more step, for the
	// latency figures.
	HalfRun bool
	// SameRate, when set, is held for one more step after the ramp (and the
	// half-load step): the baseline's half-load rate, so that servers are
	// compared at the same offered rate. Default 0: none.
	SameRate float64
	// Warmup is held at half StartRate, unjudged, before the first step: it
	// lets Node's JIT and Go's heap reach their working sizes.
	Warmup time.Duration
	// Acks asks an ack for every relayed event and checks it is (null).
	Acks bool
	// Patience ends a step's drain once nothing has arrived for this long
	// (default 1 s); the drain never lasts over 15 s.
	Patience time.Duration
	// ServerPIDs, when known, are the servers' processes, measured together
	// for CPU time and RSS.
	ServerPIDs []int
	// RedisPID, when known, is the redis-server the servers share rooms
	// through, whose CPU time is measured apart (CPU.Redis).
	RedisPID int
	Log      io.Writer
}

// A failed step during which other processes were busy is run again, up to
// noisyPerStep times for one rate and noisyPerScenario times in all.
const (
	noisyPerStep     = 2
	noisyPerScenario = 5
)

// Pass criteria of a step.
const (
	minDeliveredRatio = 0.999
	maxP99            = 100 * time.Millisecond
	minOfferedRatio   = 0.99 // of the events the step meant to send
)

// Roles of a step besides the ramp's.
const (
	roleHalf     = "half"      // 50% of the best passing rate
	roleSameRate = "same-rate" // RelayConfig.SameRate
)

// StepResult is one rate held for one step.
type StepResult struct {
	// Role is "" for a step of the ramp (or of fixed rates), "half" for the
	// step at 50% of the best passing rate, "same-rate" for the step at
	// RelayConfig.SameRate.
	Role string `json:"role,omitempty"`
	// TargetRate is the delivered events/s the step offered: sends/s times
	// the fan-out (RoomSize-1).
	TargetRate float64 `json:"target_rate"`
	Seconds    float64 `json:"seconds"`
	Sent       int64   `json:"sent"`
	Expected   int64   `json:"expected"`
	Delivered  int64   `json:"delivered"`
	// Ratio is Delivered/Expected once the step drained.
	Ratio float64 `json:"ratio"`
	// Rate is the delivered events/s measured over the sending window.
	Rate      float64   `json:"rate"`
	Reordered int64     `json:"reordered"`
	Misrouted int64     `json:"misrouted"`
	Stale     int64     `json:"stale"`
	SendErrs  int64     `json:"send_errors"`
	AcksOK    int64     `json:"acks_ok,omitempty"`
	AcksErr   int64     `json:"acks_err,omitempty"`
	Latency   Latencies `json:"latency"`
	CPU       CPU       `json:"cpu"`
	DrainSecs float64   `json:"drain_seconds"`
	Pass      bool      `json:"pass"`
	Why       string    `json:"why,omitempty"`
	// Noisy marks a failed step during which other processes were busy; it
	// was run again, and only the rerun counts.
	Noisy bool `json:"noisy,omitempty"`
}

// RelayResult is a whole relay scenario.
type RelayResult struct {
	Name          string       `json:"name"`
	Clients       int          `json:"clients"`
	RoomSize      int          `json:"room_size"`
	ConnectSecs   float64      `json:"connect_seconds"`
	ConnectRetry  int64        `json:"connect_retries"`
	Steps         []StepResult `json:"steps"`
	Best          *StepResult  `json:"best,omitempty"` // highest passing step
	Half          *StepResult  `json:"half,omitempty"` // 50% of Best
	Same          *StepResult  `json:"same,omitempty"` // at RelayConfig.SameRate
	MaxSustained  float64      `json:"max_sustained"`  // Best.Rate
	MaxGenCPU     float64      `json:"max_generator_cpu"`
	ServerRSSPeak int64        `json:"server_rss_peak"`
}

// receiver is what one client has received in the current step.
type receiver struct {
	mu        sync.Mutex
	last      []int64 // last sequence number per sender of its room
	lat       []int64 // ns
	reordered int64
	misrouted int64
}

type relayRun struct {
	cfg     RelayConfig
	clients []*Client
	recv    []receiver
	seq     []int64 // next sequence number per sender (owned by its sender goroutine)

	step      atomic.Int64
	arrivals  atomic.Int64 // every bench event, any step
	delivered atomic.Int64 // this step's
	stale     atomic.Int64
}

// RunRelay connects the clients to the servers at addrs (each room's members
// spread over them in turn), runs the steps and closes the clients.
func RunRelay(ctx context.Context, addrs []string, cfg RelayConfig) (*RelayResult, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	n := cfg.Rooms * cfg.RoomSize
	r := &relayRun{cfg: cfg, recv: make([]receiver, n), seq: make([]int64, n)}
	for i := range r.recv {
		r.recv[i].last = make([]int64, cfg.RoomSize)
		for j := range r.recv[i].last {
			r.recv[i].last[j] = -1
		}
	}
	res := &RelayResult{Name: cfg.Name, Clients: n, RoomSize: cfg.RoomSize}
	start := time.Now()
	clients, retries, err := connectAll(ctx, addrs, cfg.RoomSize, n, 200, func(i int) DialOptions {
		return DialOptions{AuthRoom: fmt.Sprintf("%s-%d", cfg.Name, i/cfg.RoomSize), Index: i, OnBench: r.onBench}
	})
	res.ConnectRetry = retries
	if err != nil {
		return res, err
	}
	r.clients = clients
	defer closeAll(clients)
	res.ConnectSecs = time.Since(start).Seconds()
	fmt.Fprintf(cfg.Log, "%s: %d clients in %d rooms connected and joined in %.1fs\n", cfg.Name, n, cfg.Rooms, res.ConnectSecs)

	if cfg.Warmup > 0 {
		warm := cfg
		warm.Step = cfg.Warmup
		r.cfg = warm
		s, err := r.runStep(ctx, roundRate(cfg.StartRate/2))
		r.cfg = cfg
		if err != nil {
			return res, err
		}
		fmt.Fprintf(cfg.Log, "%s: warm-up at %.0f ev/s for %v: delivered %.0f ev/s, p99 %.2f ms\n", cfg.Name, s.TargetRate, cfg.Warmup, s.Rate, s.Latency.P99)
	}

	noisy := 0
	run := func(rate float64, role string) (StepResult, error) {
		var s StepResult
		for again := 0; ; again++ {
			var err error
			s, err = r.runStep(ctx, rate)
			if err != nil {
				return s, err
			}
			s.Role = role
			// Fixed rates (the smoke run) judge correctness only: no reruns.
			if s.Pass || len(cfg.Rates) > 0 || s.CPU.Other <= busyOthers || again >= noisyPerStep || noisy >= noisyPerScenario {
				break
			}
			// Other processes took the CPU: the step says little about the
			// server. Give them a moment to finish, and run it again.
			noisy++
			s.Noisy = true
			res.Steps = append(res.Steps, s)
			fmt.Fprintf(cfg.Log, "%s: %6.0f ev/s failed (%s) while other processes used %.0f%% of a core: running it again\n", cfg.Name, rate, s.Why, 100*s.CPU.Other)
			WaitQuiet(ctx, cfg.ServerPIDs, 3*time.Second)
		}
		res.Steps = append(res.Steps, s)
		res.MaxGenCPU = max(res.MaxGenCPU, s.CPU.Generator)
		if len(cfg.ServerPIDs) > 0 {
			if rss, err := ServersRSS(cfg.ServerPIDs); err == nil {
				res.ServerRSSPeak = max(res.ServerRSSPeak, rss)
			}
		}
		verdict := "pass"
		if !s.Pass {
			verdict = "FAIL: " + s.Why
		}
		if role != "" {
			verdict += " (" + role + ")"
		}
		fmt.Fprintf(cfg.Log, "%s: %6.0f ev/s offered: delivered %.0f ev/s, ratio %.5f, reordered %d, p50 %.2f ms, p99 %.2f ms, %s: %s\n",
			cfg.Name, rate, s.Rate, s.Ratio, s.Reordered, s.Latency.P50, s.Latency.P99, s.CPU, verdict)
		return s, nil
	}

	if len(cfg.Rates) > 0 {
		for _, rate := range cfg.Rates {
			s, err := run(rate, "")
			if err != nil {
				return res, err
			}
			if s.Pass && (res.Best == nil || s.Rate > res.Best.Rate) {
				res.Best = &s
			}
		}
	} else {
		best, err := ramp(cfg, func(rate float64) (StepResult, error) { return run(rate, "") })
		if err != nil {
			return res, err
		}
		res.Best = best
	}
	if res.Best != nil {
		res.MaxSustained = res.Best.Rate
		if cfg.HalfRun {
			noisy = min(noisy, noisyPerScenario-noisyPerStep) // the latency figures may always be retried
			s, err := run(roundRate(res.Best.TargetRate/2), roleHalf)
			if err != nil {
				return res, err
			}
			res.Half = &s
		}
	}
	// Held whether or not the server sustained anything: the comparison at
	// the same rate needs a figure either way.
	if cfg.SameRate > 0 {
		noisy = min(noisy, noisyPerScenario-noisyPerStep)
		s, err := run(cfg.SameRate, roleSameRate)
		if err != nil {
			return res, err
		}
		res.Same = &s
	}
	return res, nil
}

// ramp doubles the rate from cfg.StartRate until a step fails (halving
// instead when the very first fails), then bisects between the best pass and
// the first failure. It returns the best passing step, or nil.
func ramp(cfg RelayConfig, run func(float64) (StepResult, error)) (*StepResult, error) {
	var best *StepResult
	lo, hi := 0.0, math.Inf(1)
	steps := 0
	// try runs one step and moves the bounds: lo is the best passing rate,
	// hi the lowest failing one.
	try := func(rate float64) (bool, error) {
		s, err := run(rate)
		steps++
		if err != nil {
			return false, err
		}
		if s.Pass {
			best, lo = &s, rate
		} else {
			hi = rate
		}
		return s.Pass, nil
	}
	rate := cfg.StartRate
	for steps < cfg.MaxSteps && math.IsInf(hi, 1) {
		pass, err := try(rate)
		if err != nil {
			return best, err
		}
		if pass {
			rate *= 2
		}
	}
	// The first rate already failed: go down until one passes.
	for steps < cfg.MaxSteps && best == nil && rate > 100 {
		rate = roundRate(rate / 2)
		if _, err := try(rate); err != nil {
			return best, err
		}
	}
	for i := 0; i < cfg.Bisect && steps < cfg.MaxSteps && best != nil && !math.IsInf(hi, 1); i++ {
		mid := roundRate((lo + hi) / 2)
		if mid <= lo || mid >= hi {
			break
		}
		if _, err := try(mid); err != nil {
			return best, err
		}
	}
	return best, nil
}

// roundRate rounds to two significant digits, for readable step rates.
func roundRate(r float64) float64 {
	if r <= 0 {
		return 0
	}
	mag := math.Pow(10, math.Floor(math.Log10(r))-1)
	return math.Round(r/mag) * mag
}

// runStep offers rate delivered events/s for cfg.Step, waits for the events
// to drain, and judges the step.
func (r *relayRun) runStep(ctx context.Context, rate float64) (StepResult, error) {
	cfg := r.cfg
	fanout := cfg.RoomSize - 1
	step := r.step.Add(1)
	for i := range r.recv {
		rv := &r.recv[i]
		rv.mu.Lock()
		rv.lat = rv.lat[:0]
		rv.reordered, rv.misrouted = 0, 0
		rv.mu.Unlock()
	}
	r.delivered.Store(0)
	r.stale.Store(0)
	var acks0OK, acks0Err int64
	for _, c := range r.clients {
		acks0OK += c.acksOK.Load()
		acks0Err += c.acksErr.Load()
	}

	sendRate := rate / float64(fanout) // events/s sent, all clients together
	// Two senders: one blocked write does not stop every send, and few
	// timers keep the generator's wake-ups down.
	senders := min(2, len(r.clients))
	var sent, sendErrs atomic.Int64
	var wg sync.WaitGroup
	meter := startCPU(cfg.ServerPIDs).alsoRedis(cfg.RedisPID)
	start := time.Now()
	for w := range senders {
		var mine []*Client
		for i := w; i < len(r.clients); i += senders {
			mine = append(mine, r.clients[i])
		}
		wg.Go(func() {
			n, errs := r.send(ctx, mine, step, sendRate/float64(senders), start, cfg.Step)
			sent.Add(n)
			sendErrs.Add(errs)
		})
	}
	wg.Wait()
	window := time.Since(start)
	cpu := meter.stop()

	// Drain: until every expected event arrived, or nothing arrived for a
	// while, or 15 s.
	patience := cfg.Patience
	if patience == 0 {
		patience = time.Second
	}
	expected := sent.Load() * int64(fanout)
	// With acks, the sender's acks must be in too: a server acks after it
	// has routed the event, so the last acks may trail the last deliveries.
	acked := func() int64 {
		if !cfg.Acks {
			return 0
		}
		var n int64
		for _, c := range r.clients {
			n += c.acksOK.Load() + c.acksErr.Load()
		}
		return n - acks0OK - acks0Err
	}
	wantAcks := int64(0)
	if cfg.Acks {
		wantAcks = sent.Load()
	}
	drainStart := time.Now()
	lastArrivals, lastChange := r.arrivals.Load()+acked(), time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	for (r.delivered.Load() < expected || acked() < wantAcks) && time.Since(lastChange) < patience && time.Since(drainStart) < 15*time.Second {
		select {
		case <-ctx.Done():
			tick.Stop()
			return StepResult{}, ctx.Err()
		case <-tick.C:
		}
		if a := r.arrivals.Load() + acked(); a != lastArrivals {
			lastArrivals, lastChange = a, time.Now()
		}
	}
	tick.Stop()
	drain := time.Since(drainStart)

	s := StepResult{
		TargetRate: rate, Seconds: window.Seconds(), Sent: sent.Load(), Expected: expected,
		Delivered: r.delivered.Load(), Stale: r.stale.Load(), SendErrs: sendErrs.Load(),
		CPU: cpu, DrainSecs: drain.Seconds(),
	}
	var lat []int64
	for i := range r.recv {
		rv := &r.recv[i]
		rv.mu.Lock()
		lat = append(lat, rv.lat...)
		s.Reordered += rv.reordered
		s.Misrouted += rv.misrouted
		rv.mu.Unlock()
	}
	s.Latency = summarize(lat)
	if expected > 0 {
		s.Ratio = float64(s.Delivered) / float64(expected)
	}
	s.Rate = float64(s.Delivered) / window.Seconds()
	for _, c := range r.clients {
		s.AcksOK += c.acksOK.Load()
		s.AcksErr += c.acksErr.Load()
	}
	s.AcksOK -= acks0OK
	s.AcksErr -= acks0Err
	s.Pass, s.Why = judge(s, rate*cfg.Step.Seconds()/float64(fanout), cfg.Acks)
	return s, nil
}

func judge(s StepResult, wantSent float64, acks bool) (bool, string) {
	switch {
	case s.SendErrs > 0:
		return false, fmt.Sprintf("%d sends failed", s.SendErrs)
	case float64(s.Sent) < minOfferedRatio*wantSent:
		return false, fmt.Sprintf("only %d of %.0f events could be sent", s.Sent, wantSent)
	case s.Misrouted > 0:
		return false, fmt.Sprintf("%d events reached a client outside the sender's room", s.Misrouted)
	case s.Reordered > 0:
		return false, fmt.Sprintf("%d events out of order", s.Reordered)
	case s.Ratio < minDeliveredRatio:
		return false, fmt.Sprintf("delivered %d of %d", s.Delivered, s.Expected)
	case s.Latency.P99 > float64(maxP99)/1e6:
		return false, fmt.Sprintf("p99 %.1f ms > %v", s.Latency.P99, maxP99)
	case acks && (s.AcksOK != s.Sent || s.AcksErr > 0):
		return false, fmt.Sprintf("%d of %d relays acked (null), %d refused", s.AcksOK, s.Sent, s.AcksErr)
	}
	return true, ""
}

// send offers rate events/s, round-robin over clients, from start for dur.
// It wakes every millisecond and sends what is due, so a late write delays
// the next sends but the rate is kept on average.
func (r *relayRun) send(ctx context.Context, clients []*Client, step int64, rate float64, start time.Time, dur time.Duration) (sent, errs int64) {
	buf := make([]byte, 0, 512)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	next := 0
	for {
		el := time.Since(start)
		if el >= dur || ctx.Err() != nil {
			return sent, errs
		}
		due := int64(el.Seconds() * rate)
		for sent < due && time.Since(start) < dur {
			c := clients[next]
			next = (next + 1) % len(clients)
			seq := r.seq[c.Index]
			r.seq[c.Index]++
			ack := int64(-1)
			if r.cfg.Acks {
				ack = seq
			}
			buf = appendBenchEvent(buf[:0], ack, c.Index, seq, step, now())
			if err := c.Send(buf); err != nil {
				errs++
			}
			sent++
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
}

// appendBenchEvent appends 42[<ack>]["ice",{candidate..., bsrc, bseq, bstep,
// bts}] — a realistic trickled candidate plus the generator's fields: the
// sender, its sequence number, the step and the send time.
func appendBenchEvent(b []byte, ack int64, src int, seq, step, ts int64) []byte {
	b = append(b, "42"...)
	if ack >= 0 {
		b = appendInt(b, ack)
	}
	b = append(b, `["`+BenchEvent+`",{"candidate":"candidate:842163049 1 udp 1677729535 127.0.0.1 50000 typ host generation 0 ufrag b3nc network-cost 999","sdpMid":"0","sdpMLineIndex":0,"bsrc":`...)
	b = appendInt(b, int64(src))
	b = append(b, `,"bseq":`...)
	b = appendInt(b, seq)
	b = append(b, `,"bstep":`...)
	b = appendInt(b, step)
	b = append(b, `,"bts":`...)
	b = appendInt(b, ts)
	return append(b, "}]"...)
}

func appendInt(b []byte, v int64) []byte {
	if v == 0 {
		return append(b, '0')
	}
	var tmp [20]byte
	i := len(tmp)
	for v > 0 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[i:]...)
}

// field reads the non-negative integer after key in frame, or -1.
func field(frame []byte, key string) int64 {
	i := bytes.Index(frame, []byte(key))
	if i < 0 {
		return -1
	}
	i += len(key)
	var v int64
	start := i
	for i < len(frame) && frame[i] >= '0' && frame[i] <= '9' {
		v = v*10 + int64(frame[i]-'0')
		i++
	}
	if i == start {
		return -1
	}
	return v
}

func (r *relayRun) onBench(c *Client, frame []byte) {
	t := now()
	r.arrivals.Add(1)
	src, seq := field(frame, `"bsrc":`), field(frame, `"bseq":`)
	step, ts := field(frame, `"bstep":`), field(frame, `"bts":`)
	if step != r.step.Load() {
		r.stale.Add(1)
		return
	}
	size := int64(r.cfg.RoomSize)
	rv := &r.recv[c.Index]
	rv.mu.Lock()
	if src < 0 || src == int64(c.Index) || src/size != int64(c.Index)/size {
		rv.misrouted++
	} else {
		off := src % size
		if seq <= rv.last[off] {
			rv.reordered++
		} else {
			rv.last[off] = seq
		}
		rv.lat = append(rv.lat, t-ts)
	}
	rv.mu.Unlock()
	r.delivered.Add(1)
}

// connectAll opens n clients, conc at a time, each retried twice (roomcast
// closes a connection whose namespace connect stalled; a real client then
// reconnects), and waits for each one's "joined" when it asked for a room.
// Rooms hold roomSize consecutive clients, whose members go to the servers
// at addrs in turn (nodeAddr).
func connectAll(ctx context.Context, addrs []string, roomSize, n, conc int, opts func(int) DialOptions) ([]*Client, int64, error) {
	clients := make([]*Client, n)
	var retries atomic.Int64
	var firstErr error
	var once sync.Once
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := dialJoined(ctx, nodeAddr(addrs, roomSize, i), opts(i), &retries)
			if err != nil {
				once.Do(func() { firstErr = fmt.Errorf("client %d: %w", i, err) })
				return
			}
			clients[i] = c
		})
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		closeAll(clients)
		return nil, retries.Load(), firstErr
	}
	return clients, retries.Load(), nil
}

func dialJoined(ctx context.Context, addr string, o DialOptions, retries *atomic.Int64) (*Client, error) {
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			retries.Add(1)
		}
		var c *Client
		c, err = Dial(ctx, addr, o)
		if err != nil {
			continue
		}
		if o.AuthRoom == "" {
			return c, nil
		}
		jctx, cancel := context.WithTimeout(ctx, connectTimeout)
		err = c.WaitJoined(jctx)
		cancel()
		if err == nil {
			return c, nil
		}
		c.Close()
	}
	return nil, err
}

// closeAll closes every client, a few hundred at a time.
func closeAll(clients []*Client) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for _, c := range clients {
		if c == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.Close()
		})
	}
	wg.Wait()
}
