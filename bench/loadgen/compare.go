package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/roomcast/roomcast/bench/internal/load"
)

func compareCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("compare", flag.ExitOnError)
	smoke := fs.Bool("smoke", false, "correctness only: small fixed loads against roomcast, two roomcast nodes with Redis and the reference, ~20 s")
	out := fs.String("out", "", "write the Markdown table here, and the raw results next to it as .json (default bench/results/latest.md; none with --smoke)")
	roomcast := fs.String("roomcast", "bin/roomcast", "the roomcast binary")
	node := fs.String("node", "node", "the node binary")
	redisServer := fs.String("redis-server", "redis-server", "the redis-server binary, for the setups of several nodes sharing rooms")
	reference := fs.String("reference", "bench/reference/server.mjs", "the Node.js reference server")
	only := fs.String("setups", "", "comma-separated setup keys to run (default all: "+strings.Join(setupKeys(), ", ")+")")
	scenarios := fs.String("scenarios", "", "comma-separated scenarios to run (default all: "+strings.Join(load.Scenarios, ", ")+")")
	noPin := fs.Bool("no-pin", false, "do not pin servers and generator to cores")
	quiet := fs.Duration("quiet-wait", 5*time.Second, "before each run, wait at most this long for other processes to leave the machine quiet")
	quietBudget := fs.Duration("quiet-budget", time.Minute, "wait for quiet at most this long in all")
	budget := fs.Duration("budget", 9*time.Minute+30*time.Second, "skip the optional setups once the run gets within 2.5 minutes of this")
	_ = fs.Parse(args)
	if *out == "" && !*smoke {
		*out = "bench/results/latest.md"
	}
	raiseFileLimit()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, f := range []string{*roomcast, *reference} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%w (run from the repository root, after `go tool task build deps`)", err)
		}
	}
	if _, err := exec.LookPath(*node); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	pin := !*noPin
	if _, err := exec.LookPath("taskset"); err != nil && pin {
		fmt.Fprintln(os.Stderr, "taskset not found (util-linux): running unpinned")
		pin = false
	}
	if runtime.NumCPU() < 2 && pin {
		fmt.Fprintln(os.Stderr, "one core only: running unpinned")
		pin = false
	}
	setups := load.Setups()
	if *smoke {
		setups = load.SmokeSetups()
	}
	if *only != "" {
		var keep []load.Setup
		for _, k := range strings.Split(*only, ",") {
			i := slices.IndexFunc(setups, func(su load.Setup) bool { return su.Key == strings.TrimSpace(k) })
			if i < 0 {
				return fmt.Errorf("--setups: no setup %q (have %s)", k, strings.Join(setupKeys(), ", "))
			}
			keep = append(keep, setups[i])
		}
		setups = keep
	}
	for _, su := range setups {
		if su.Redis {
			if _, err := exec.LookPath(*redisServer); err != nil {
				return fmt.Errorf("setup %s needs redis-server (Debian package redis-server, or --setups without it): %w", su.Key, err)
			}
			break
		}
	}
	var scenarioList []string
	if *scenarios != "" {
		for _, sc := range strings.Split(*scenarios, ",") {
			sc = strings.TrimSpace(sc)
			if !slices.Contains(load.Scenarios, sc) {
				return fmt.Errorf("--scenarios: no scenario %q (have %s)", sc, strings.Join(load.Scenarios, ", "))
			}
			scenarioList = append(scenarioList, sc)
		}
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && !*smoke && lim.Cur < 12000 {
		return fmt.Errorf("the open-file limit is %d; the idle scenario needs over 10,000 per process (ulimit -n)", lim.Cur)
	}

	limit := *budget + 5*time.Minute // never run away
	if *smoke {
		limit = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	rep, err := load.Compare(ctx, load.CompareOptions{
		Roomcast: *roomcast, Node: *node, Reference: *reference, Generator: self, RedisServer: *redisServer,
		Pin: pin, Smoke: *smoke, Setups: setups, Scenarios: scenarioList, Log: os.Stderr,
		QuietWait: *quiet, QuietBudget: *quietBudget, Budget: *budget, OptionalReserve: 150 * time.Second,
	})
	if err != nil {
		return err
	}
	md := rep.Markdown()
	fmt.Println(md)
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			return err
		}
		raw, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(strings.TrimSuffix(*out, filepath.Ext(*out))+".json", append(raw, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s\n", *out)
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d problems: %s", len(rep.Problems), strings.Join(rep.Problems, "; "))
	}
	return nil
}

// setupKeys are the keys of every setup, for --setups.
func setupKeys() []string {
	var keys []string
	for _, su := range load.Setups() {
		keys = append(keys, su.Key)
	}
	return keys
}
