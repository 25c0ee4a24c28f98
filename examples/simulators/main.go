// Command simulators starts the five sitekit appliance simulators on loopback, linked as the
// appliances of the Pessac site are (blueprint/blueprinttest), and prints ONE line of JSON to
// stdout: the environment of a live run pointed at them, e.g.
//
//	{"SITEKIT_FORTIGATE_URL":"https://127.0.0.1:43211","SITEKIT_FORTIGATE_TOKEN":"…",…}
//
// Its keys are the variables the examples read with -live (blueprint.ConnectionsFromEnv and
// the site's secrets). With -export it prints shell export lines instead, to paste into the
// shell that runs an example with -live. It then serves until SIGINT or SIGTERM.
//
//	go run ./examples/simulators                        # random ports
//	go run ./examples/simulators -addr 127.0.0.1:9440   # ports 9440…9444 (FortiGate, XO, EMS, TrueNAS, Netdata)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

func main() {
	addr := flag.String("addr", "", "host:port of the first simulator; the others take the next ports (default: random loopback ports)")
	export := flag.Bool("export", false, "print shell export lines instead of JSON")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := run(ctx, *addr, *export, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "simulators:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr string, export bool, w io.Writer) error {
	var opts []blueprinttest.Option
	if addr != "" {
		opts = append(opts, blueprinttest.WithAddr(addr))
	}
	kit, err := blueprinttest.New(ctx, opts...)
	if err != nil {
		return err
	}
	defer kit.Close()
	if err := printEnv(w, kit.Env(), export); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// printEnv prints env as one JSON line, or as sorted shell export lines.
func printEnv(w io.Writer, env map[string]string, export bool) error {
	if !export {
		line, err := json.Marshal(env)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(line))
		return err
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		// Single quotes: the shell expands nothing inside; a quote is closed, escaped, reopened.
		if _, err := fmt.Fprintf(w, "export %s='%s'\n", k, strings.ReplaceAll(env[k], "'", `'\''`)); err != nil {
			return err
		}
	}
	return nil
}
