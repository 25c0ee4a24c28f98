package blueprinttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/ems/emstest"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
	"github.com/sitekit/sitekit/netdata/netdatatest"
	"github.com/sitekit/sitekit/truenas/truenastest"
	"github.com/sitekit/sitekit/xo/xotest"
)

// Appliances are the names of the five appliances, in the order the kit starts them (and,
// with [WithAddr], gives them ports).
var appliances = []string{"fortigate", "xo", "ems", "truenas", "netdata"}

// Faults configures the fault injection of every simulator (see [WithFaults]).
type Faults = xotest.Faults

// Injector is a simulator's fault injector and call counter.
type Injector = xotest.Injector

// Site is the five simulators of one site, running and linked. Its fields are the
// simulators, for assertions and for what a test does behind the blueprint's back (a policy
// added by hand, a child that stops streaming).
type Site struct {
	FortiGate *fortigatetest.Server
	XO        *xotest.Server
	EMS       *emstest.Server
	TrueNAS   *truenastest.Server
	Netdata   *netdatatest.Server

	site  blueprint.Site
	conns blueprint.Connections

	mu      sync.Mutex
	closers []func()
}

// Start starts the simulators of a site for a test: it fails tb on error and closes
// everything with tb.Cleanup.
func Start(tb testing.TB, opts ...Option) *Site {
	tb.Helper()
	s, err := New(context.Background(), opts...)
	if err != nil {
		tb.Fatalf("blueprinttest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New starts the five simulators of a site (by default [Pessac]) and links them (see the
// package documentation). The caller must call [Site.Close]. ctx bounds the linking.
//
// The connections resolve the site's "env:" secrets from [Site.Env] first (the simulators
// accept the values it holds), then from the process environment.
func New(ctx context.Context, opts ...Option) (*Site, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.site == nil {
		p := Pessac()
		cfg.site = &p
	}
	site := cfg.site.WithDefaults()
	addrs, err := cfg.addrs()
	if err != nil {
		return nil, err
	}
	s := &Site{site: site}
	fail := func(what string, err error) (*Site, error) {
		s.Close()
		return nil, fmt.Errorf("start the %s simulator: %w", what, err)
	}
	if s.FortiGate, err = fortigatetest.NewServer(fortigatetest.WithAddr(addrs["fortigate"])); err != nil {
		return fail("fortigate", err)
	}
	s.closeLater(s.FortiGate.Close)
	if s.XO, err = xotest.NewServer(xotest.WithAddr(addrs["xo"])); err != nil {
		return fail("xo", err)
	}
	s.closeLater(s.XO.Close)
	if s.EMS, err = emstest.NewServer(emstest.WithAddr(addrs["ems"])); err != nil {
		return fail("ems", err)
	}
	s.closeLater(s.EMS.Close)
	if s.TrueNAS, err = truenastest.NewServer(truenastest.WithAddr(addrs["truenas"])); err != nil {
		return fail("truenas", err)
	}
	s.closeLater(func() { s.TrueNAS.Close() })
	parent, _ := netdataParent(site)
	if s.Netdata, err = netdatatest.NewServer(netdatatest.WithAddr(addrs["netdata"]), netdatatest.WithHostname(parent)); err != nil {
		return fail("netdata", err)
	}
	s.closeLater(s.Netdata.Close)
	if err := s.link(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("link the simulators: %w", err)
	}
	if s.conns, err = s.Connect(); err != nil {
		s.Close()
		return nil, err
	}
	if cfg.faults != nil {
		s.SetFaults(*cfg.faults)
	}
	s.ResetCounters()
	return s, nil
}

// Site returns the site the simulators serve, with defaults filled.
func (s *Site) Site() blueprint.Site { return s.site }

// Connections returns the clients of the five simulators, each pinned to its simulator's
// certificate. They are closed by [Site.Close].
func (s *Site) Connections() blueprint.Connections { return s.conns }

// Connect returns new clients of the five simulators configured with opts (a retry policy, a
// logger…), pinned to the simulators' certificates. They are closed by [Site.Close].
func (s *Site) Connect(opts ...sitekit.Option) (blueprint.Connections, error) {
	var c blueprint.Connections
	var errs [5]error
	c.FortiGate, errs[0] = s.FortiGate.Client(opts...)
	c.XO, errs[1] = s.XO.Client(opts...)
	c.EMS, errs[2] = s.EMS.Client(opts...)
	c.TrueNAS, errs[3] = s.TrueNAS.Client(opts...)
	c.Netdata, errs[4] = s.Netdata.Client(opts...)
	s.closeLater(func() { _ = c.Close() })
	env := s.Env()
	c.Secrets = blueprint.EnvSecretsFrom(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	})
	if err := errors.Join(errs[:]...); err != nil {
		return blueprint.Connections{}, fmt.Errorf("clients of the simulators: %w", err)
	}
	return c, nil
}

// Deploy converges the simulators to bp: it plans and applies until the plan is empty, at
// most three times. It gives a tool under test a site to look at.
func (s *Site) Deploy(ctx context.Context, bp *blueprint.Blueprint, opts ...blueprint.Option) error {
	for range 3 {
		plan, err := bp.Plan(ctx, s.conns, opts...)
		if err != nil {
			return fmt.Errorf("deploy %s: %w", bp.Site().Name, err)
		}
		if plan.Empty() {
			return nil
		}
		if _, err := plan.Apply(ctx, opts...); err != nil && ctx.Err() != nil {
			return fmt.Errorf("deploy %s: %w", bp.Site().Name, err)
		}
	}
	plan, err := bp.Plan(ctx, s.conns, opts...)
	if err != nil {
		return fmt.Errorf("deploy %s: %w", bp.Site().Name, err)
	}
	if !plan.Empty() {
		return fmt.Errorf("deploy %s: %d changes left after three applies:\n%s", bp.Site().Name, plan.Changes(), plan)
	}
	return nil
}

// Injectors returns each simulator's fault injector and call counters, by appliance name
// ("fortigate", "xo", "ems", "truenas", "netdata").
func (s *Site) Injectors() map[string]*Injector {
	return map[string]*Injector{"fortigate": s.FortiGate.Faults(), "xo": s.XO.Faults(), "ems": s.EMS.Faults(),
		"truenas": s.TrueNAS.Faults(), "netdata": s.Netdata.Faults()}
}

// SetFaults switches fault injection on (or off, with the zero Faults) on every simulator;
// the i-th appliance (in the order of [Site.Injectors]' names: fortigate, xo, ems, truenas,
// netdata; i from 1) gets f.Seed+i as its seed, so the five draw different faults.
func (s *Site) SetFaults(f Faults) {
	inj := s.Injectors()
	for i, app := range appliances {
		c := f
		c.Seed += uint64(i + 1)
		inj[app].SetFaults(c)
	}
}

// Calls returns the number of requests each simulator served since the last reset.
func (s *Site) Calls() map[string]int {
	out := map[string]int{}
	for k, inj := range s.Injectors() {
		out[k] = inj.TotalCalls()
	}
	return out
}

// ResetCounters zeroes every simulator's call counters.
func (s *Site) ResetCounters() {
	for _, inj := range s.Injectors() {
		inj.ResetCounters()
	}
}

// Close closes the clients the kit built and stops the simulators. It may be called more
// than once.
func (s *Site) Close() {
	s.mu.Lock()
	closers := s.closers
	s.closers = nil
	s.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
}

func (s *Site) closeLater(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closers = append(s.closers, f)
}

// config is what the Options set.
type config struct {
	site   *blueprint.Site
	faults *Faults
	addr   string
}

// addrs returns the listening address of each simulator: "" (a random loopback port) unless
// WithAddr gave the first one.
func (c config) addrs() (map[string]string, error) {
	out := map[string]string{}
	if c.addr == "" {
		return out, nil
	}
	host, p, err := net.SplitHostPort(c.addr)
	if err != nil {
		return nil, sitekit.Invalid("WithAddr", c.addr, "must be host:port")
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535-len(appliances) {
		return nil, sitekit.Invalid("WithAddr", c.addr, fmt.Sprintf("port must be a number from 1 to %d", 65535-len(appliances)))
	}
	if host == "" {
		host = "127.0.0.1"
	}
	for i, app := range appliances {
		out[app] = net.JoinHostPort(host, strconv.Itoa(port+i))
	}
	return out, nil
}

// Option configures [New] and [Start].
type Option func(*config)

// WithSite makes the simulators serve site (default [Pessac]): the XO host is named after
// its host, the Netdata parent after its monitor VM.
func WithSite(site blueprint.Site) Option { return func(c *config) { c.site = &site } }

// WithFaults switches fault injection on once the simulators are linked (see
// [Site.SetFaults]).
func WithFaults(f Faults) Option { return func(c *config) { c.faults = &f } }

// WithAddr makes the simulators listen on fixed ports: the FortiGate on addr, then XO, EMS,
// TrueNAS and Netdata on the next four ports. Default: random loopback ports.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }
