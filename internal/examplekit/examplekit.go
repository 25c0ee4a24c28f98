// Package examplekit holds what the example programs share: the reference Pessac site, the
// five appliance simulators started in-process, and the connections built from the
// SITEKIT_* environment for -live runs. It keeps each example's main.go short.
package examplekit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/ems/emstest"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
	"github.com/sitekit/sitekit/internal/simkit"
	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/netdata/netdatatest"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/truenas/truenastest"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// Pessac is the reference client of the seed: 50 users doubling, the Standard defaults,
// an S3 off-site copy and 15 teleworkers through ZTNA.
func Pessac() blueprint.Site {
	host := blueprint.DefaultHost()
	host.Name = "xcp-dl380"
	return blueprint.Site{
		Name: "pv-pessac", Users: 50, Growth: 2, Host: host,
		Network:     blueprint.DefaultNetwork("10.10.0.0/16"),
		Offsite:     blueprint.Offsite{Kind: blueprint.OffsiteS3, Endpoint: "https://s3.fr-par.scw.cloud", Bucket: "pv-pessac-backup", Region: "fr-par"},
		Teleworkers: blueprint.Teleworkers{Enabled: true, Count: 15},
		// The default plan's public IP is a documentation address: fine on the simulators.
		Simulated: true,
		Credentials: blueprint.Credentials{
			OffsiteAccessKey: "env:SITEKIT_OFFSITE_ACCESS_KEY", OffsiteSecretKey: "env:SITEKIT_OFFSITE_SECRET_KEY",
			NetdataStreamKey: "env:SITEKIT_NETDATA_STREAM_KEY",
		},
	}
}

// Options tune the simulators.
type Options struct {
	// Faults applied to every simulator (each gets Seed+i as its seed).
	Faults simkit.Faults
	// Site whose VMs the Netdata parent expects as streaming children (default: Pessac).
	Site *blueprint.Site
}

// Sims are the five simulators, running on loopback with TLS.
type Sims struct {
	FortiGate *fortigatetest.Server
	XO        *xotest.Server
	EMS       *emstest.Server
	TrueNAS   *truenastest.Server
	Netdata   *netdatatest.Server
	closers   []func()
}

// StartSims starts the five simulators. The Netdata parent is named after the site's
// monitor VM and already has its Linux VMs as streaming children (a simulator cannot boot
// them); the EMS already sees the FortiGate as pending authorization (its connector would
// register it).
func StartSims(o Options) (*Sims, error) {
	site := Pessac()
	if o.Site != nil {
		site = *o.Site
	}
	site = site.WithDefaults()
	// Faults are switched on once the simulators are set up.
	f := func(int) simkit.Faults { return simkit.Faults{} }
	// The site's secrets come from the environment; simulators accept any value.
	for k, v := range simSecrets {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	s := &Sims{}
	var err error
	fail := func(what string, e error) (*Sims, error) {
		s.Close()
		return nil, fmt.Errorf("start %s simulator: %w", what, e)
	}
	if s.FortiGate, err = fortigatetest.NewServer(fortigatetest.WithFaults(f(1))); err != nil {
		return fail("fortigate", err)
	}
	s.closers = append(s.closers, s.FortiGate.Close)
	if s.XO, err = xotest.NewServer(xotest.WithFaults(f(2))); err != nil {
		return fail("xo", err)
	}
	s.closers = append(s.closers, s.XO.Close)
	if s.EMS, err = emstest.NewServer(emstest.WithFaults(f(3))); err != nil {
		return fail("ems", err)
	}
	s.closers = append(s.closers, s.EMS.Close)
	if s.TrueNAS, err = truenastest.NewServer(truenastest.WithFaults(f(4))); err != nil {
		return fail("truenas", err)
	}
	s.closers = append(s.closers, func() { s.TrueNAS.Close() })
	if s.Netdata, err = netdatatest.NewServer(netdatatest.WithHostname(NetdataParent(site)), netdatatest.WithFaults(f(5))); err != nil {
		return fail("netdata", err)
	}
	s.closers = append(s.closers, s.Netdata.Close)
	if err := Link(context.Background(), site, s.FortiGate, s.EMS, s.Netdata); err != nil {
		return fail("links between", err)
	}
	if o.Faults.Rate > 0 || o.Faults.ResetRate > 0 || o.Faults.AmbiguousRate > 0 || o.Faults.Latency > 0 || o.Faults.MaxConcurrentWrites > 0 {
		i := 0
		for _, app := range []string{"fortigate", "xo", "ems", "truenas", "netdata"} {
			i++
			c := o.Faults
			c.Seed += uint64(i)
			s.Injectors()[app].SetFaults(c)
		}
	}
	s.ResetCounters()
	return s, nil
}

// NetdataParent returns the name of the site's Netdata parent: its monitor VM.
func NetdataParent(site blueprint.Site) string {
	for _, vm := range site.WithDefaults().VMs {
		if vm.OS == blueprint.Debian12 && vm.Role == "monitor" {
			return vm.Name
		}
	}
	return "monitor"
}

// Link wires simulators started separately as the real appliances are wired on a site: the
// Netdata parent has the site's other Linux VMs as streaming children (a simulator cannot
// boot them); the EMS sees the FortiGate as pending authorization (its connector would
// register it) and the FortiGate's EMS connector reports "success" once the EMS authorized
// it. Any of the servers may be nil.
func Link(ctx context.Context, site blueprint.Site, fgt *fortigatetest.Server, emsSrv *emstest.Server, nd *netdatatest.Server) error {
	if nd != nil {
		parent := NetdataParent(site)
		for _, vm := range site.WithDefaults().VMs {
			if vm.OS == blueprint.Debian12 && vm.Name != parent {
				nd.AddChild(vm.Name)
			}
		}
	}
	if fgt == nil || emsSrv == nil {
		return nil
	}
	fc, err := fgt.Client()
	if err != nil {
		return err
	}
	st, err := fc.Monitor.Status(ctx)
	if err != nil {
		return err
	}
	emsSrv.AddPendingFortiGate(st.Serial, st.Hostname)
	fgt.SetEMSStatusFunc(func(_ int, _, serial string) string {
		if emsSrv.IsAuthorized(serial) {
			return "success"
		}
		return "auth_pending"
	})
	return nil
}

// simSecrets are the site secrets set for simulator runs when the environment lacks them.
var simSecrets = map[string]string{
	"SITEKIT_OFFSITE_ACCESS_KEY": "SIMACCESSKEY0001",
	"SITEKIT_OFFSITE_SECRET_KEY": "sim-secret-key-not-a-real-one",
	"SITEKIT_NETDATA_STREAM_KEY": "11111111-2222-3333-4444-555555555555",
}

// Close stops every simulator.
func (s *Sims) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// Injectors returns each simulator's fault injector and call counters, by appliance.
func (s *Sims) Injectors() map[string]*simkit.Injector {
	return map[string]*simkit.Injector{"fortigate": s.FortiGate.Faults(), "xo": s.XO.Faults(), "ems": s.EMS.Faults(),
		"truenas": s.TrueNAS.Faults(), "netdata": s.Netdata.Faults()}
}

// Calls returns the number of requests each simulator served since the last reset.
func (s *Sims) Calls() map[string]int {
	out := map[string]int{}
	for k, inj := range s.Injectors() {
		out[k] = int(inj.TotalCalls())
	}
	return out
}

// ResetCounters zeroes every simulator's call counters.
func (s *Sims) ResetCounters() {
	for _, inj := range s.Injectors() {
		inj.ResetCounters()
	}
}

// Connections returns clients pinned to the simulators. Client-side retries are left to
// the clients' defaults.
func (s *Sims) Connections(opts ...sitekit.Option) (blueprint.Connections, error) {
	var c blueprint.Connections
	var err error
	if c.FortiGate, err = s.FortiGate.Client(opts...); err != nil {
		return c, err
	}
	if c.XO, err = s.XO.Client(opts...); err != nil {
		return c, err
	}
	if c.EMS, err = s.EMS.Client(opts...); err != nil {
		return c, err
	}
	if c.TrueNAS, err = s.TrueNAS.Client(opts...); err != nil {
		return c, err
	}
	if c.Netdata, err = s.Netdata.Client(opts...); err != nil {
		return c, err
	}
	return c, nil
}

// Close closes the connections that hold sessions (XO and TrueNAS WebSockets).
func Close(c blueprint.Connections) {
	if c.XO != nil {
		_ = c.XO.Close()
	}
	if c.TrueNAS != nil {
		_ = c.TrueNAS.Close()
	}
}

// FromEnv builds the connections of -live from the environment:
//
//	SITEKIT_FORTIGATE_URL  SITEKIT_FORTIGATE_TOKEN                     [SITEKIT_FORTIGATE_SHA256]
//	SITEKIT_XO_URL         SITEKIT_XO_TOKEN                            [SITEKIT_XO_SHA256]
//	SITEKIT_EMS_URL        SITEKIT_EMS_USER  SITEKIT_EMS_PASSWORD      [SITEKIT_EMS_SHA256]
//	SITEKIT_TRUENAS_URL    SITEKIT_TRUENAS_API_KEY                     [SITEKIT_TRUENAS_SHA256]
//	SITEKIT_NETDATA_URL    [SITEKIT_NETDATA_TOKEN]                     [SITEKIT_NETDATA_SHA256]
//
// An appliance whose URL is unset is left out (its resources are not planned). http://
// URLs are accepted for loopback hosts only. The SHA256 variables pin the appliance's
// certificate (hex, as printed by examples/simulators).
func FromEnv() (blueprint.Connections, error) {
	var c blueprint.Connections
	var errs []error
	env := os.Getenv
	common := func(app string) ([]sitekit.Option, string, bool) {
		u := env("SITEKIT_" + app + "_URL")
		if u == "" {
			return nil, "", false
		}
		pu, err := url.Parse(u)
		switch {
		case err != nil || pu.Host == "":
			errs = append(errs, fmt.Errorf("SITEKIT_%s_URL %q is not a URL", app, u))
			return nil, "", false
		case pu.Scheme == "http" && !sitekit.IsLoopback(pu.Hostname()):
			errs = append(errs, fmt.Errorf("SITEKIT_%s_URL %q: http:// is accepted for loopback only, use https://", app, u))
			return nil, "", false
		case pu.Scheme != "http" && pu.Scheme != "https":
			errs = append(errs, fmt.Errorf("SITEKIT_%s_URL %q: scheme must be https", app, u))
			return nil, "", false
		}
		var opts []sitekit.Option
		if pin := env("SITEKIT_" + app + "_SHA256"); pin != "" {
			opts = append(opts, sitekit.WithCertSHA256(strings.Split(pin, ",")...))
		}
		return opts, u, true
	}
	need := func(app, name string) sitekit.Secret {
		v := env("SITEKIT_" + app + "_" + name)
		if v == "" {
			errs = append(errs, fmt.Errorf("SITEKIT_%s_%s is required with SITEKIT_%s_URL", app, name, app))
		}
		return sitekit.NewSecret(v)
	}
	var err error
	if opts, u, ok := common("FORTIGATE"); ok {
		c.FortiGate, err = fortigate.New(u, append(opts, sitekit.WithToken(need("FORTIGATE", "TOKEN")))...)
		errs = append(errs, err)
	}
	if opts, u, ok := common("XO"); ok {
		c.XO, err = xo.New(u, append(opts, sitekit.WithToken(need("XO", "TOKEN")))...)
		errs = append(errs, err)
	}
	if opts, u, ok := common("EMS"); ok {
		user := env("SITEKIT_EMS_USER")
		if user == "" {
			errs = append(errs, errors.New("SITEKIT_EMS_USER is required with SITEKIT_EMS_URL"))
		}
		c.EMS, err = ems.New(u, append(opts, sitekit.WithCredentials(user, need("EMS", "PASSWORD")))...)
		errs = append(errs, err)
	}
	if opts, u, ok := common("TRUENAS"); ok {
		c.TrueNAS, err = truenas.New(u, append(opts, sitekit.WithToken(need("TRUENAS", "API_KEY")))...)
		errs = append(errs, err)
	}
	if opts, u, ok := common("NETDATA"); ok {
		if t := env("SITEKIT_NETDATA_TOKEN"); t != "" {
			opts = append(opts, sitekit.WithToken(sitekit.NewSecret(t)))
		}
		c.Netdata, err = netdata.New(u, opts...)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return blueprint.Connections{}, err
	}
	return c, nil
}

// Timeout bounds a whole example run.
const Timeout = 10 * time.Minute

// Context returns the example's context, cancelled on timeout.
func Context() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), Timeout)
}

// Connect returns the connections of an example: from the environment with live, else to
// freshly started simulators on which the site has already been deployed (so that the
// example has something to look at). close releases everything.
func Connect(ctx context.Context, live bool, bp *blueprint.Blueprint) (conns blueprint.Connections, sims *Sims, close func(), err error) {
	if live {
		conns, err = FromEnv()
		return conns, nil, func() { Close(conns) }, err
	}
	site := bp.Site()
	if sims, err = StartSims(Options{Site: &site}); err != nil {
		return conns, nil, nil, err
	}
	if conns, err = sims.Connections(); err != nil {
		sims.Close()
		return conns, nil, nil, err
	}
	close = func() { Close(conns); sims.Close() }
	plan, err := bp.Plan(ctx, conns)
	if err == nil {
		_, err = plan.Apply(ctx)
	}
	if err != nil {
		close()
		return conns, nil, nil, fmt.Errorf("deploy the site on the simulators: %w", err)
	}
	return conns, sims, close, nil
}
