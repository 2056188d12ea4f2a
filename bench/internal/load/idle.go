package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// idleRoomSize is the size of the idle scenario's rooms: pairs, the usual
// call.
const idleRoomSize = 2

// IdleConfig describes the idle scenario: Conns connections joined in rooms
// of idleRoomSize through auth {room}, then left idle while the servers' RSS
// settles.
type IdleConfig struct {
	Conns       int
	Concurrency int // connects in flight
	// Settle bounds the wait for the servers' RSS to stabilise, before and
	// after connecting.
	Settle time.Duration
	// ServerPIDs are the servers' processes, measured together.
	ServerPIDs []int
	Log        io.Writer
}

// IdleResult is the idle scenario's outcome.
type IdleResult struct {
	Conns        int     `json:"conns"`
	ConnectSecs  float64 `json:"connect_seconds"`
	ConnectRate  float64 `json:"connect_rate"` // connections opened and joined per second
	Retries      int64   `json:"retries"`
	RSSBefore    int64   `json:"rss_before"`
	RSSAfter     int64   `json:"rss_after"`
	RSSPeak      int64   `json:"rss_peak"`
	StableBefore bool    `json:"stable_before"`
	StableAfter  bool    `json:"stable_after"`
	SettleSecs   float64 `json:"settle_seconds"`
	PerConn      float64 `json:"rss_per_conn"` // bytes
	CPU          CPU     `json:"cpu"`          // while connecting
}

// RunIdle measures the servers' memory per idle connection and their
// connect+join rate.
func RunIdle(ctx context.Context, addrs []string, cfg IdleConfig) (*IdleResult, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	res := &IdleResult{Conns: cfg.Conns}
	if len(cfg.ServerPIDs) > 0 {
		rss, stable, _, err := settleRSS(ctx, cfg.ServerPIDs, cfg.Settle/3)
		if err != nil {
			return res, err
		}
		res.RSSBefore, res.StableBefore = rss, stable
	}
	meter := startCPU(cfg.ServerPIDs)
	start := time.Now()
	clients, retries, err := connectAll(ctx, addrs, idleRoomSize, cfg.Conns, cfg.Concurrency, func(i int) DialOptions {
		return DialOptions{AuthRoom: fmt.Sprintf("idle-%d", i/idleRoomSize), Index: i}
	})
	res.Retries = retries
	if err != nil {
		return res, err
	}
	defer closeAll(clients)
	res.ConnectSecs = time.Since(start).Seconds()
	res.ConnectRate = float64(cfg.Conns) / res.ConnectSecs
	res.CPU = meter.stop()
	fmt.Fprintf(cfg.Log, "idle: %d connections joined in %.1fs (%.0f/s), %s\n",
		cfg.Conns, res.ConnectSecs, res.ConnectRate, res.CPU)
	if len(cfg.ServerPIDs) > 0 {
		settleStart := time.Now()
		rss, stable, peak, err := settleRSS(ctx, cfg.ServerPIDs, cfg.Settle)
		if err != nil {
			return res, err
		}
		res.SettleSecs = time.Since(settleStart).Seconds()
		res.RSSAfter, res.StableAfter, res.RSSPeak = rss, stable, peak
		res.PerConn = float64(res.RSSAfter-res.RSSBefore) / float64(cfg.Conns)
		fmt.Fprintf(cfg.Log, "idle: server RSS %.1f MB before, %.1f MB after (%s after %.1fs), %.1f KB per connection\n",
			mb(res.RSSBefore), mb(res.RSSAfter), stableWord(stable), res.SettleSecs, res.PerConn/1024)
	}
	// Every connection must still be open: the idle ones answer pings.
	for _, c := range clients {
		select {
		case <-c.Done():
			return res, fmt.Errorf("idle connection %d closed: %v", c.Index, c.readErr)
		default:
		}
	}
	return res, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func stableWord(stable bool) string {
	if stable {
		return "stable"
	}
	return "NOT stable"
}

// settleRSS polls the RSS of pids together every 250 ms until it has moved by at most
// 1% (and at most 1 MB... whichever is larger) over the last 2 s, or until
// limit. Neither roomcast nor Node can be made to collect garbage from
// outside, so this waits for whatever collection the server does by itself.
func settleRSS(ctx context.Context, pids []int, limit time.Duration) (rss int64, stable bool, peak int64, err error) {
	const every, window = 250 * time.Millisecond, 2 * time.Second
	var samples []int64
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		rss, err = ServersRSS(pids)
		if err != nil {
			return 0, false, peak, err
		}
		peak = max(peak, rss)
		samples = append(samples, rss)
		if n := int(window/every) + 1; len(samples) >= n {
			last := samples[len(samples)-n:]
			lo, hi := last[0], last[0]
			for _, s := range last {
				lo, hi = min(lo, s), max(hi, s)
			}
			if float64(hi-lo) <= max(0.01*float64(rss), 1<<20) {
				return rss, true, peak, nil
			}
		}
		if time.Now().After(deadline) {
			return rss, false, peak, nil
		}
		select {
		case <-ctx.Done():
			return rss, false, peak, ctx.Err()
		case <-tick.C:
		}
	}
}

// StormConfig describes the join storm: Clients clients start over Over,
// each opening the namespace without a room and then emitting join with an
// ack, into rooms of RoomSize.
type StormConfig struct {
	Clients  int
	Over     time.Duration
	RoomSize int
	Timeout  time.Duration // for the whole storm
	// ServerPIDs are the servers' processes, measured together.
	ServerPIDs []int
	Log        io.Writer
}

// StormResult is the join storm's outcome.
type StormResult struct {
	Clients  int       `json:"clients"`
	Acked    int       `json:"acked"`
	Errors   int       `json:"errors"`
	FirstErr string    `json:"first_error,omitempty"`
	Retries  int64     `json:"retries"`
	AllSecs  float64   `json:"all_acked_seconds"` // from the first start to the last ack
	Latency  Latencies `json:"latency"`           // one client's start to its join ack
	CPU      CPU       `json:"cpu"`
}

// RunStorm runs the join storm against the servers at addrs, each room's
// members spread over them in turn.
func RunStorm(ctx context.Context, addrs []string, cfg StormConfig) (*StormResult, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	res := &StormResult{Clients: cfg.Clients}
	clients := make([]*Client, cfg.Clients)
	lat := make([]int64, cfg.Clients)
	errs := make([]error, cfg.Clients)
	var retries atomic.Int64
	var lastAck atomic.Int64
	var wg sync.WaitGroup
	meter := startCPU(cfg.ServerPIDs)
	start := time.Now()
	spacing := cfg.Over / time.Duration(cfg.Clients)
	tick := time.NewTicker(time.Millisecond)
	for i := 0; i < cfg.Clients && ctx.Err() == nil; {
		for ; i < cfg.Clients && time.Since(start) >= time.Duration(i)*spacing; i++ {
			i := i // the inner loop moves i on
			wg.Go(func() {
				t0 := time.Now()
				c, err := stormJoin(ctx, nodeAddr(addrs, cfg.RoomSize, i), i, fmt.Sprintf("storm-%d", i/cfg.RoomSize), &retries)
				clients[i], errs[i] = c, err
				if err == nil {
					lat[i] = int64(time.Since(t0))
					at := int64(time.Since(start))
					for {
						prev := lastAck.Load()
						if at <= prev || lastAck.CompareAndSwap(prev, at) {
							break
						}
					}
				}
			})
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	tick.Stop()
	wg.Wait()
	res.CPU = meter.stop()
	defer closeAll(clients)
	var oks []int64
	for i, err := range errs {
		switch {
		case clients[i] != nil:
			res.Acked++
			oks = append(oks, lat[i])
		case err != nil:
			res.Errors++
			if res.FirstErr == "" {
				res.FirstErr = err.Error()
			}
		default:
			res.Errors++ // never started: the storm's timeout
			if res.FirstErr == "" {
				res.FirstErr = "not started before the timeout"
			}
		}
	}
	res.Retries = retries.Load()
	res.AllSecs = time.Duration(lastAck.Load()).Seconds()
	res.Latency = summarize(oks)
	fmt.Fprintf(cfg.Log, "storm: %d of %d joined, all acked after %.2fs, %d errors, %d retries, p50 %.1f ms, p99 %.1f ms, %s\n",
		res.Acked, res.Clients, res.AllSecs, res.Errors, res.Retries, res.Latency.P50, res.Latency.P99, res.CPU)
	if res.FirstErr != "" {
		fmt.Fprintf(cfg.Log, "storm: first error: %s\n", res.FirstErr)
	}
	return res, nil
}

// stormJoin connects without a room, then joins room with an ack; a stalled
// or failed connect is retried twice, like the official client reconnects.
func stormJoin(ctx context.Context, addr string, i int, room string, retries *atomic.Int64) (*Client, error) {
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			retries.Add(1)
		}
		var c *Client
		c, err = Dial(ctx, addr, DialOptions{Index: i})
		if err != nil {
			continue
		}
		actx, cancel := context.WithTimeout(ctx, connectTimeout)
		var ack []json.RawMessage
		ack, err = c.EmitAck(actx, 0, "join", room)
		cancel()
		if err == nil && len(ack) > 0 {
			if code := errorCode(ack[0]); code != "" {
				c.Close()
				return nil, fmt.Errorf("join refused: %s", code)
			}
			return c, nil
		}
		if err == nil {
			err = fmt.Errorf("empty join ack")
		}
		c.Close()
	}
	return nil, err
}
