// Command simulators starts every sitekit appliance simulator on loopback and prints ONE line
// of JSON to stdout with, for each appliance, its URL and credentials, e.g.
//
//	{"fortigate":{"url":"https://127.0.0.1:43211","token":"…","sha256":"…"}}
//
// The keys map one-to-one onto the SITEKIT_<APPLIANCE>_* variables read by examples/pessac
// -live. The simulators are linked as the Pessac site's appliances are (the FortiGate is
// known to the EMS, the Netdata parent has streaming children). It then serves until SIGINT
// or SIGTERM.
//
// Usage:
//
//	go run ./examples/simulators            # random ports
//	go run ./examples/simulators -addr 127.0.0.1:9440   # ports 9440, 9441, … in a fixed order
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"syscall"

	"github.com/sitekit/sitekit/ems/emstest"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
	"github.com/sitekit/sitekit/internal/examplekit"
	"github.com/sitekit/sitekit/netdata/netdatatest"
)

// The simulators that links wire together as on the Pessac site (examplekit.Link): the
// FortiGate registers on the EMS and reports its authorization, the Netdata parent "monitor"
// has the site's Linux VMs streaming to it.
var (
	fortigateSim *fortigatetest.Server
	emsSim       *emstest.Server
	netdataSim   *netdatatest.Server
)

// simulator is one appliance simulator that this command can start.
type simulator struct {
	name  string
	order int // fixes port allocation with -addr
	// start serves on addr ("" for a random loopback port) and returns the JSON description
	// (url and credentials) and a stop function.
	start func(addr string) (info map[string]string, stop func(), err error)
}

var registry []simulator

// register adds a simulator; each appliance file calls it from init.
func register(s simulator) { registry = append(registry, s) }

func main() {
	addr := flag.String("addr", "", "first host:port to listen on; later simulators take the next ports (default: random loopback ports)")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "simulators:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	sort.Slice(registry, func(i, j int) bool { return registry[i].order < registry[j].order })
	host, port := "", 0
	if addr != "" {
		h, p, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("-addr %q: %w", addr, err)
		}
		if host, port = h, 0; host == "" {
			host = "127.0.0.1"
		}
		if port, err = strconv.Atoi(p); err != nil {
			return fmt.Errorf("-addr %q: port: %w", addr, err)
		}
	}
	out := map[string]map[string]string{}
	var stops []func()
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	for i, s := range registry {
		a := ""
		if port != 0 {
			a = net.JoinHostPort(host, strconv.Itoa(port+i))
		}
		info, stop, err := s.start(a)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		stops = append(stops, stop)
		out[s.name] = info
	}
	if err := examplekit.Link(context.Background(), examplekit.Pessac(), fortigateSim, emsSim, netdataSim); err != nil {
		return fmt.Errorf("link simulators: %w", err)
	}
	line, err := json.Marshal(out)
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	<-ctx.Done()
	return nil
}
