// Command loadgen loads roomcast, and the Node.js socket.io reference in
// bench/reference, with raw Engine.IO 4 / Socket.IO 5 websocket clients, and
// compares the two.
//
//	loadgen compare [--smoke] [--out bench/results/latest.md]
//	    start each server, run every scenario against each (alternating), print
//	    the Markdown table; --smoke checks correctness only, in ~20 s
//	loadgen report bench/results/latest.json
//	    print the Markdown of saved results again
//	loadgen nullserver [--addr 127.0.0.1:0]
//	    the null relay: the least a server can do, to calibrate the generator
//	loadgen run --scenario pairs|classroom|idle|storm --addr 127.0.0.1:PORT[,...] [--pid N[,...]] [--redis-pid N] [--smoke] [--json]
//	    one scenario against a running server, or against several nodes that
//	    each room's members are spread over (pids: for their CPU and RSS;
//	    redis-pid: the Redis they share rooms through, for its CPU)
//
// Loopback addresses only.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roomcast/roomcast/bench/internal/load"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(ctx, os.Args[2:])
	case "compare":
		err = compareCmd(ctx, os.Args[2:])
	case "nullserver":
		err = nullCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// reportCmd prints the Markdown of a comparison's JSON results again.
func reportCmd(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: loadgen report bench/results/latest.json")
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var rep load.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return err
	}
	rep.AdoptCurrentSetups()
	fmt.Print(rep.Markdown())
	return nil
}

// nullCmd serves the null relay, the generator's calibration server.
func nullCmd(args []string) error {
	fs := flag.NewFlagSet("nullserver", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback host:port to listen on")
	_ = fs.Parse(args)
	if host, _, err := net.SplitHostPort(*addr); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("--addr %q: the null relay listens on loopback only", *addr)
	}
	raiseFileLimit()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]string{"msg": "listening", "addr": ln.Addr().String()})
	fmt.Fprintln(os.Stderr, string(b))
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		os.Exit(0)
	}()
	return load.ServeNull(ln)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: loadgen compare [--smoke] [--out FILE] | loadgen run --scenario NAME --addr HOST:PORT[,...] [--pid N[,...]] [--redis-pid N] [--smoke] [--json] | loadgen report FILE.json | loadgen nullserver [--addr 127.0.0.1:0]")
	os.Exit(2)
}

func runCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	scenario := fs.String("scenario", "pairs", "pairs, classroom, idle or storm")
	addr := fs.String("addr", "", "the server, host:port on loopback; several, comma-separated, spread each room's members over them")
	pid := fs.String("pid", "", "the servers' pids, comma-separated, for their CPU time and RSS")
	redisPID := fs.Int("redis-pid", 0, "relay scenarios: the pid of the redis-server the servers share rooms through, for its CPU time")
	smoke := fs.Bool("smoke", false, "the smoke profile: small, fixed rates")
	asJSON := fs.Bool("json", false, "print the result as JSON on stdout")
	limit := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	rooms := fs.Int("rooms", 0, "relay scenarios: override the number of rooms")
	roomSize := fs.Int("room-size", 0, "relay scenarios: override the room size")
	rates := fs.String("rates", "", "relay scenarios: comma-separated delivered ev/s to hold instead of the ramp")
	step := fs.Duration("step", 0, "relay scenarios: override how long each rate is held")
	startRate := fs.Float64("start-rate", 0, "relay scenarios: override the ramp's first delivered ev/s")
	sameRate := fs.Float64("same-rate", 0, "relay scenarios: hold this delivered ev/s for one more step at the end (the reference's half-load rate)")
	cpuprofile := fs.String("cpuprofile", "", "write the generator's own CPU profile here")
	_ = fs.Parse(args)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *addr == "" {
		return fmt.Errorf("--addr is required")
	}
	addrs := strings.Split(*addr, ",")
	pids, err := parsePIDs(*pid)
	if err != nil {
		return err
	}
	if *sameRate < 0 {
		return fmt.Errorf("--same-rate %v: a rate is positive", *sameRate)
	}
	raiseFileLimit()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	p := load.FullProfile()
	if *smoke {
		p = load.SmokeProfile()
	}
	for _, cfg := range []*load.RelayConfig{&p.Pairs, &p.Classroom} {
		if *rooms > 0 {
			cfg.Rooms = *rooms
		}
		if *roomSize > 1 {
			cfg.RoomSize = *roomSize
		}
		if *step > 0 {
			cfg.Step = *step
		}
		if *startRate > 0 {
			cfg.StartRate = *startRate
		}
		cfg.SameRate = *sameRate
		cfg.RedisPID = *redisPID
		if *rates != "" {
			cfg.Rates, cfg.HalfRun = nil, false
			for _, f := range strings.Split(*rates, ",") {
				r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
				if err != nil || r <= 0 {
					return fmt.Errorf("--rates: %q is not a rate", f)
				}
				cfg.Rates = append(cfg.Rates, r)
			}
		}
	}
	res := load.Run(ctx, addrs, *scenario, p, pids, os.Stderr)
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(b))
	if res.Error != "" {
		return fmt.Errorf("%s", res.Error)
	}
	return nil
}

// parsePIDs reads a comma-separated list of process ids; "" is none.
func parsePIDs(list string) ([]int, error) {
	if list == "" {
		return nil, nil
	}
	var pids []int
	for _, f := range strings.Split(list, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("--pid: %q is not a process id", f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// raiseFileLimit lifts the soft limit on open files to the hard one: the
// idle scenario holds 10,000 connections. Servers started from here inherit
// it (Go restores the original limit in children unless it is set
// explicitly, as here).
func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return
	}
	want := lim
	want.Cur = max(lim.Cur, min(lim.Max, 1<<20))
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) != nil {
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}
